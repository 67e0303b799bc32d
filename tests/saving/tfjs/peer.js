// The TensorFlow.js side of tests/saving/test_tfjs*.cpp, run with the real @tensorflow/tfjs (pure-JS
// CPU backend). One process per direction:
//   node peer.js make <out_dir>     builds the reference models below with TF.js's defaults and writes,
//                                   per model, <out_dir>/<id>/model.json + weights.bin (as the
//                                   file:// handler of tfjs-node lays them out) and io.json (inputs
//                                   and TF.js's predictions), and <out_dir>/index.json (the ids).
//   node peer.js predict <dir>      for each id in <dir>/index.json, loads <dir>/<id>/model.json with
//                                   tf.loadLayersModel, predicts on <dir>/<id>/inputs.json and writes
//                                   <dir>/<id>/tfjs_predictions.json.
// Any failure exits non-zero with the message on stderr.
'use strict';
const fs = require('fs');
const path = require('path');
const tf = require('@tensorflow/tfjs');

if (tf.version.tfjs !== '4.22.0') {
  console.error(`peer.js: @tensorflow/tfjs expected 4.22.0, received ${tf.version.tfjs}`);
  process.exit(2);
}

// Deterministic inputs (a small LCG): the C++ side reads them from the files, never recomputes them.
function lcg(seed) {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

// kind: 'float' (uniform in [-1, 1]), 'masked' (float, with the last steps of some samples set to
// the mask value 0), 'ids' (integers in [1, vocab)), 'padded' (ids with trailing zeros).
function makeInput(input, batch, seed) {
  const r = lcg(seed);
  const shape = [batch, ...input.shape];
  const n = shape.reduce((a, b) => a * b, 1);
  const data = new Array(n);
  const steps = input.shape[0];
  const perStep = input.shape.length > 1 ? input.shape[1] : 1;
  for (let b = 0; b < batch; ++b) {
    const keep = (input.kind === 'masked' || input.kind === 'padded') ? 1 + ((b * 3) % steps) : steps;
    for (let t = 0; t < steps; ++t)
      for (let f = 0; f < perStep; ++f) {
        const i = (b * steps + t) * perStep + f;
        if (input.kind === 'ids' || input.kind === 'padded')
          data[i] = t < keep ? 1 + Math.floor(r() * (input.vocab - 1)) : 0;
        else
          data[i] = t < keep ? 2 * r() - 1 : 0;
      }
  }
  return {shape, data};
}

const L = tf.layers;
const seq5x3 = {kind: 'float', shape: [5, 3]};
const ACTIVATIONS = ['linear', 'relu', 'sigmoid', 'tanh', 'softmax', 'elu', 'selu', 'softplus', 'softsign',
                     'hardSigmoid', 'swish'];

// The reference models: each is built with TF.js's defaults except what the case is about.
function referenceModels() {
  const models = [];
  for (const a of ACTIVATIONS)
    models.push({id: `dense_${a}`, input: {kind: 'float', shape: [6]},
                 layers: () => [L.dense({units: 7, activation: a, inputShape: [6]}), L.dense({units: 3})]});
  models.push(
      {id: 'dense_dropout', input: {kind: 'float', shape: [6]},
       layers: () => [L.dense({units: 8, activation: 'relu', inputShape: [6]}), L.dropout({rate: 0.4}),
                      L.dense({units: 2, activation: 'softmax'})]},
      {id: 'embedding_mask_lstm', input: {kind: 'padded', shape: [6], vocab: 12},
       layers: () => [L.embedding({inputDim: 12, outputDim: 4, maskZero: true, inputLength: 6}),
                      L.lstm({units: 5}), L.dense({units: 2})]},
      {id: 'embedding_gru', input: {kind: 'ids', shape: [6], vocab: 9},
       layers: () => [L.embedding({inputDim: 9, outputDim: 3, inputShape: [6]}), L.gru({units: 4}),
                      L.dense({units: 3, activation: 'softmax'})]},
      {id: 'masking_simple_rnn_stacked', input: {kind: 'masked', shape: [5, 3]},
       layers: () => [L.masking({maskValue: 0, inputShape: [5, 3]}),
                      L.simpleRNN({units: 4, returnSequences: true}), L.simpleRNN({units: 3})]},
      {id: 'masking_gru_sequences', input: {kind: 'masked', shape: [5, 3]},
       layers: () => [L.masking({maskValue: 0, inputShape: [5, 3]}), L.gru({units: 4, returnSequences: true}),
                      L.dense({units: 2})]},
      {id: 'lstm_go_backwards', input: seq5x3,
       layers: () => [L.lstm({units: 4, goBackwards: true, inputShape: [5, 3]}), L.dense({units: 1})]},
      {id: 'gru_stacked_backwards', input: seq5x3,
       layers: () => [L.gru({units: 4, returnSequences: true, inputShape: [5, 3]}),
                      L.gru({units: 3, goBackwards: true})]},
      {id: 'lstm_relu_sigmoid', input: seq5x3,
       layers: () => [L.lstm({units: 3, activation: 'relu', recurrentActivation: 'sigmoid', inputShape: [5, 3]})]},
      {id: 'simple_rnn_no_bias_sequences', input: seq5x3,
       layers: () => [L.simpleRNN({units: 4, useBias: false, returnSequences: true, inputShape: [5, 3]})]},
      {id: 'bidi_lstm_concat', input: seq5x3,
       layers: () => [L.bidirectional({layer: L.lstm({units: 3}), mergeMode: 'concat', inputShape: [5, 3]}),
                      L.dense({units: 2})]},
      {id: 'bidi_gru_sum', input: seq5x3,
       layers: () => [L.bidirectional({layer: L.gru({units: 3}), mergeMode: 'sum', inputShape: [5, 3]})]},
      {id: 'bidi_simple_rnn_mul', input: seq5x3,
       layers: () => [L.bidirectional({layer: L.simpleRNN({units: 3}), mergeMode: 'mul', inputShape: [5, 3]})]},
      {id: 'bidi_lstm_ave_sequences', input: seq5x3,
       layers: () => [L.bidirectional({layer: L.lstm({units: 3, returnSequences: true}), mergeMode: 'ave',
                                       inputShape: [5, 3]}),
                      L.lstm({units: 2})]},
      {id: 'embedding_mask_bidi_gru', input: {kind: 'padded', shape: [6], vocab: 10},
       layers: () => [L.embedding({inputDim: 10, outputDim: 4, maskZero: true, inputLength: 6}),
                      L.bidirectional({layer: L.gru({units: 3, goBackwards: false})}),
                      L.dense({units: 2, activation: 'sigmoid'})]});
  return models;
}

// What tfjs-node's file:// handler writes: model.json (modelTopology, format, generatedBy,
// convertedBy, weightsManifest with the one path "weights.bin") and weights.bin.
async function saveLikeFileHandler(model, dir) {
  fs.mkdirSync(dir, {recursive: true});
  await model.save(tf.io.withSaveHandler(async (artifacts) => {
    const manifest = [{paths: ['weights.bin'], weights: artifacts.weightSpecs}];
    const json = {modelTopology: artifacts.modelTopology, format: artifacts.format,
                  generatedBy: artifacts.generatedBy, convertedBy: artifacts.convertedBy, weightsManifest: manifest};
    fs.writeFileSync(path.join(dir, 'model.json'), JSON.stringify(json));
    fs.writeFileSync(path.join(dir, 'weights.bin'), Buffer.from(artifacts.weightData));
    return {modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts)};
  }));
}

// What tfjs-node's file:// loader does: every group's shards read and concatenated in manifest order.
async function loadFromDir(dir) {
  const modelJSON = JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8'));
  const artifacts = await tf.io.getModelArtifactsForJSON(modelJSON, async (manifest) => {
    const specs = [];
    const buffers = [];
    for (const group of manifest) {
      for (const p of group.paths) buffers.push(fs.readFileSync(path.join(dir, p)));
      specs.push(...group.weights);
    }
    const all = Buffer.concat(buffers);
    return [specs, all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength)];
  });
  return tf.loadLayersModel(tf.io.fromMemory(artifacts), {strict: true});
}

function predict(model, input) {
  return tf.tidy(() => Array.from(model.predict(tf.tensor(input.data, input.shape)).dataSync()));
}

async function make(outDir) {
  const ids = [];
  let seed = 1;
  for (const spec of referenceModels()) {
    const model = tf.sequential();
    for (const l of spec.layers()) model.add(l);
    const dir = path.join(outDir, spec.id);
    await saveLikeFileHandler(model, dir);
    const io = {batches: []};
    for (const batch of [1, 7]) {
      const input = makeInput(spec.input, batch, seed++);
      const out = model.predict(tf.tensor(input.data, input.shape));
      io.batches.push({input, output: {shape: out.shape, data: Array.from(out.dataSync())}});
      out.dispose();
    }
    fs.writeFileSync(path.join(dir, 'io.json'), JSON.stringify(io));
    ids.push(spec.id);
  }
  fs.writeFileSync(path.join(outDir, 'index.json'), JSON.stringify(ids));
}

async function predictDirs(root) {
  const ids = JSON.parse(fs.readFileSync(path.join(root, 'index.json'), 'utf8'));
  for (const id of ids) {
    const dir = path.join(root, id);
    let result;
    try {
      const model = await loadFromDir(dir);
      const inputs = JSON.parse(fs.readFileSync(path.join(dir, 'inputs.json'), 'utf8'));
      result = {batches: inputs.batches.map((input) => ({data: predict(model, input)}))};
    } catch (e) {
      result = {error: String(e && e.message ? e.message : e)};
    }
    fs.writeFileSync(path.join(dir, 'tfjs_predictions.json'), JSON.stringify(result));
  }
}

(async () => {
  const [cmd, dir] = process.argv.slice(2);
  if (cmd === 'make') await make(dir);
  else if (cmd === 'predict') await predictDirs(dir);
  else throw new Error(`usage: node peer.js make|predict <dir>, received '${cmd}'`);
})().catch((e) => {
  console.error(`peer.js: ${e && e.stack ? e.stack : e}`);
  process.exit(1);
});
