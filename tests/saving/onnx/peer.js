// The ONNX Runtime side of tests/saving/test_onnx_*.cpp and examples: the real onnxruntime-web
// 1.30.0 (its WebAssembly build, single-threaded) in node. One process runs every model:
//   node peer.js <dir>   reads <dir>/index.json, [{"model": "<file>.onnx", "input": "<name>",
//                        "output": "<name>", "runs": [{"x": "<file>.bin", "shape": [...],
//                        "y": "<file>.bin"}]}], runs each model on each input (raw little-endian
//                        float32) and writes the output to y (float32) and y + ".json" (its dims).
// Any failure exits non-zero with the message on stderr.
'use strict';
const fs = require('fs');
const path = require('path');
const ort = require('onnxruntime-web');

if (ort.env.versions.web !== '1.30.0') {
  console.error(`peer.js: onnxruntime-web expected 1.30.0, received ${ort.env.versions.web}`);
  process.exit(2);
}
ort.env.wasm.numThreads = 1;

async function main() {
  const dir = process.argv[2];
  const index = JSON.parse(fs.readFileSync(path.join(dir, 'index.json'), 'utf8'));
  let runs = 0;
  for (const m of index) {
    const session = await ort.InferenceSession.create(fs.readFileSync(path.join(dir, m.model)));
    for (const r of m.runs) {
      const buf = fs.readFileSync(path.join(dir, r.x));
      const x = new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4);
      let out;
      try {
        out = await session.run({[m.input]: new ort.Tensor('float32', x, r.shape)});
      } catch (e) {
        throw new Error(`${m.model} on ${r.x} (shape ${r.shape}): ${e.message}`);
      }
      const y = out[m.output];
      fs.writeFileSync(path.join(dir, r.y), Buffer.from(y.data.buffer, y.data.byteOffset, y.data.byteLength));
      fs.writeFileSync(path.join(dir, r.y + '.json'), JSON.stringify(y.dims));
      ++runs;
    }
  }
  console.log(`peer.js: onnxruntime-web ${ort.env.versions.web}: ${index.length} models, ${runs} runs`);
}

main().catch((e) => {
  console.error(`peer.js: ${e.stack || e}`);
  process.exit(1);
});
