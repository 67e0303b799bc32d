// Serves the exported digits model from ONNX Runtime (onnxruntime-web 1.30.0, WebAssembly, in node),
// as a deployment would, without loom: reads <dir>/model.onnx and the test images <dir>/x_test.bin
// (float32, n x 8 x 8) with their labels <dir>/y_test.bin (float32), classifies them, prints the
// accuracy and writes the predicted classes to <dir>/ort_classes.json.
//   NODE_PATH=<build>/onnx/node_modules node run_ort.js <dir>
'use strict';
const fs = require('fs');
const path = require('path');
const ort = require('onnxruntime-web');

ort.env.wasm.numThreads = 1;

async function main() {
  const dir = process.argv[2];
  const session = await ort.InferenceSession.create(fs.readFileSync(path.join(dir, 'model.onnx')));
  const read = (f) => {
    const b = fs.readFileSync(path.join(dir, f));
    return new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4);
  };
  const x = read('x_test.bin'), y = read('y_test.bin');
  const n = y.length;
  const out = await session.run({input: new ort.Tensor('float32', x, [n, 8, 8])});
  const p = out.output.data, classes = [];
  let right = 0;
  for (let i = 0; i < n; ++i) {
    let best = 0;
    for (let c = 1; c < 10; ++c) if (p[i * 10 + c] > p[i * 10 + best]) best = c;
    classes.push(best);
    if (best === y[i]) ++right;
  }
  fs.writeFileSync(path.join(dir, 'ort_classes.json'), JSON.stringify(classes));
  console.log(`onnxruntime-web ${ort.env.versions.web}: test accuracy ${(right / n).toFixed(4)} (${right}/${n})`);
}

main().catch((e) => {
  console.error(`run_ort.js: ${e.stack || e}`);
  process.exit(1);
});
