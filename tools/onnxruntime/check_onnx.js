#!/usr/bin/env node
// Runs an ONNX model in ONNX Runtime (CPU) on the "input" tensor of a safetensors file
// written by `modlr eval --save-outputs` (or the PyTorch twin) and compares with its
// "output" (and "target") tensors. Prints one JSON object:
//   {examples, batch, threads, max_abs_diff, accuracy_onnx, accuracy_reference,
//    argmax_agreement, seconds, seconds_all}
// seconds: the fastest of --repeat full passes (after one warm-up batch), session.run only.
// Usage: node check_onnx.js MODEL.onnx DATA.safetensors [--batch N] [--threads T] [--repeat R]
'use strict';
const fs = require('fs');
const ort = require('onnxruntime-node');

function parseArgs(argv) {
  const args = { batch: 1000, threads: 1, repeat: 1, positional: [] };
  for (let i = 0; i < argv.length; ++i) {
    const flag = argv[i].replace(/^--/, '');
    if (argv[i].startsWith('--') && flag in args) args[flag] = Number(argv[++i]);
    else args.positional.push(argv[i]);
  }
  if (args.positional.length !== 2) throw new Error('usage: check_onnx.js MODEL.onnx DATA.safetensors [--batch N] [--threads T] [--repeat R]');
  return args;
}

// The tensors of a safetensors file: name -> {dtype, shape, data (typed array copy)}.
function readSafetensors(path) {
  const bytes = fs.readFileSync(path);
  const headerLength = Number(bytes.readBigUInt64LE(0));
  const header = JSON.parse(bytes.subarray(8, 8 + headerLength).toString('utf8'));
  const start = 8 + headerLength;
  const kinds = { F32: Float32Array, I64: BigInt64Array, F64: Float64Array };
  const out = {};
  for (const [name, entry] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const Kind = kinds[entry.dtype];
    if (!Kind) throw new Error(`${path}: tensor '${name}' has unsupported dtype ${entry.dtype}`);
    const [begin, end] = entry.data_offsets;
    const copy = new Uint8Array(bytes.subarray(start + begin, start + end));  // aligned copy
    out[name] = { dtype: entry.dtype, shape: entry.shape, data: new Kind(copy.buffer) };
  }
  return out;
}

function argmax(data, row, width) {
  let best = 0;
  for (let j = 1; j < width; ++j) if (data[row * width + j] > data[row * width + best]) best = j;
  return best;
}

async function runAll(session, input, batch) {
  const [n, ...dims] = input.shape;
  const perExample = dims.reduce((a, b) => a * b, 1);
  const chunks = [];
  let seconds = 0;
  for (let first = 0; first < n; first += batch) {
    const count = Math.min(batch, n - first);
    const slice = input.data.subarray(first * perExample, (first + count) * perExample);
    const tensor = new ort.Tensor('float32', slice, [count, ...dims]);
    const started = process.hrtime.bigint();
    const result = await session.run({ input: tensor });
    seconds += Number(process.hrtime.bigint() - started) / 1e9;
    chunks.push(result.output);
  }
  const width = chunks[0].dims.slice(1).reduce((a, b) => a * b, 1);  // [N, ...] rows, e.g. images
  const data = new Float32Array(n * width);
  let offset = 0;
  for (const chunk of chunks) { data.set(chunk.data, offset); offset += chunk.data.length; }
  return { data, width, seconds };
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const [modelPath, dataPath] = args.positional;
  const tensors = readSafetensors(dataPath);
  const session = await ort.InferenceSession.create(modelPath, {
    executionProviders: ['cpu'], intraOpNumThreads: args.threads, interOpNumThreads: 1,
    graphOptimizationLevel: 'all' });
  await runAll(session, { shape: [1, ...tensors.input.shape.slice(1)], data: tensors.input.data }, 1);  // warm-up
  const times = [];
  let result;
  for (let r = 0; r < Math.max(1, args.repeat); ++r) {
    result = await runAll(session, tensors.input, args.batch);
    times.push(result.seconds);
  }
  const reference = tensors.output.data, n = tensors.input.shape[0], width = result.width;
  let maxDiff = 0, agree = 0, correctOnnx = 0, correctReference = 0;
  for (let i = 0; i < reference.length; ++i) maxDiff = Math.max(maxDiff, Math.abs(reference[i] - result.data[i]));
  for (let row = 0; row < n; ++row) {
    const a = argmax(result.data, row, width), b = argmax(reference, row, width);
    const target = tensors.target ? Number(tensors.target.data[row]) : -1;
    agree += a === b; correctOnnx += a === target; correctReference += b === target;
  }
  if (reference.length !== result.data.length) throw new Error('output sizes differ');
  console.log(JSON.stringify({
    examples: n, batch: args.batch, threads: args.threads, max_abs_diff: maxDiff,
    accuracy_onnx: correctOnnx / n, accuracy_reference: correctReference / n,
    argmax_agreement: agree / n, seconds: Math.min(...times), seconds_all: times }));
}

main().catch((error) => { console.error('check_onnx.js: error: ' + error.message); process.exit(1); });
