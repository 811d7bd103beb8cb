// examples/ runs as a user would run it (through the built package) and prints the seed outputs.
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';

const ROOT = path.join(__dirname, '..');
const run = (file: string) => execFileSync(process.execPath, [path.join(ROOT, 'examples', file)], { cwd: ROOT, encoding: 'utf8' });

test('examples/softmax-2d.js prints the PyTorch documentation example', () => {
  expect(run('softmax-2d.js')).toBe(
    'tensor([[0.6590, 0.2424, 0.0986],\n' +
    '        [0.1131, 0.8360, 0.0508]])\n' +
    'tensor([1.0000, 1.0000])\n',
  );
});

test('examples/softmax-1d.js', () => {
  expect(run('softmax-1d.js')).toBe('tensor([0.0900, 0.2447, 0.6652])\n');
});

test('examples/attention-mask.js: causal with a padding mask, then a temperature (torch.masked.softmax gives the same)', () => {
  expect(run('attention-mask.js')).toBe(
    'tensor([[[[1.0000, 0.0000, 0.0000, 0.0000],\n' +
    '          [0.8808, 0.1192, 0.0000, 0.0000],\n' +
    '          [0.3482, 0.5741, 0.0777, 0.0000],\n' +
    '          [0.1744, 0.2875, 0.4740, 0.0641]]],\n' +
    '\n' +
    '\n' +
    '        [[[1.0000, 0.0000, 0.0000, 0.0000],\n' +
    '          [0.3775, 0.6225, 0.0000, 0.0000],\n' +
    '          [0.7361, 0.0996, 0.1643, 0.0000],\n' +
    '          [0.3482, 0.5741, 0.0777, 0.0000]]]])\n' +
    'tensor([0.6095, 0.2242, 0.1360, 0.0303])\n' +
    'tensor([0.8420, 0.1140, 0.0419, 0.0021])\n',
  );
});

test('examples/esm.mjs imports the ES module entry', () => {
  expect(run('esm.mjs')).toBe(
    'tensor([[0.6590, 0.2424, 0.0986],\n' +
    '        [0.1131, 0.8360, 0.0508]], dtype=torch.float64)\n' +
    'tensor([[-0.4170, -1.4170, -2.3170],\n' +
    '        [-2.1791, -0.1791, -2.9791]])\n',
  );
});

// The onnxruntime examples print how to install onnxruntime-node (not a dependency) when it is missing.
function runOnnxruntimeExample(file: string): string | undefined {
  const out = run(file);
  try {
    require.resolve('onnxruntime-node');
  } catch {
    expect(out).toBe('onnxruntime-node is not installed: ONNXRUNTIME_NODE_INSTALL=skip npm install --no-save onnxruntime-node\n');
    return undefined;
  }
  return out;
}

test('examples/onnxruntime-float16.js passes a float16 onnxruntime tensor straight in', () => {
  const out = runOnnxruntimeExample('onnxruntime-float16.js');
  if (out === undefined) return;
  expect(out).toBe(
    'logits: type float16, data Uint16Array, dims [2,3]\n' +
    'tensor([[0.0000, 0.0180, 0.9819],\n' +
    '        [0.0900, 0.2448, 0.6650]], dtype=torch.float16)\n' +
    'tensor([1., 1.], dtype=torch.float16)\n',
  );
});

test('examples/onnxruntime-classifier.js turns an onnxruntime classifier head into class probabilities (as torch gives)', () => {
  const out = runOnnxruntimeExample('onnxruntime-classifier.js');
  if (out === undefined) return;
  expect(out).toBe(
    'tensor([[0.8313, 0.0689, 0.0998],\n' +
    '        [0.0084, 0.8194, 0.1722],\n' +
    '        [0.0856, 0.0687, 0.8456]])\n' +
    'sample 0: cat (0.8313)\n' +
    'sample 1: dog (0.8194)\n' +
    'sample 2: bird (0.8456)\n',
  );
});

test('examples/worker-pool.js: two workers answer six requests with softmaxAsync (top tokens as torch gives them)', () => {
  expect(run('worker-pool.js')).toBe(
    'request 1: token 7919 (p 0.5179), token 16648 (p 0.5180)\n' +
    'request 2: token 15838 (p 0.5180), token 24567 (p 0.5180), token 1296 (p 0.5180)\n' +
    'request 3: token 23757 (p 0.5180)\n' +
    'request 4: token 31676 (p 0.5180), token 8405 (p 0.5180)\n' +
    'request 5: token 7595 (p 0.5180), token 16324 (p 0.5179), token 25053 (p 0.5179)\n' +
    'request 6: token 15514 (p 0.5179)\n',
  );
});

test('the ES module and CommonJS entries share one module instance', () => {
  const script = "import * as esm from 'simd-softmax'; const cjs = (await import('node:module')).createRequire(import.meta.url)('simd-softmax'); " +
    "console.log(esm.Tensor === cjs.Tensor && esm.softmax === cjs.softmax);";
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8' });
  expect(out.trim()).toBe('true');
});
