// explain(): the planner's decision for a call, as users see it.
import { backend, explain, getNumThreads, setNumThreads } from '../lib/index.js';

const f32 = (...shape: number[]) => ({ data: new Float32Array(shape.reduce((a, b) => a * b, 1)), shape });

describe('explain', () => {
  const threads = getNumThreads();
  afterEach(() => setNumThreads(threads));

  test('names the kernel set, the layout and the dtype', () => {
    const plan = explain(f32(4, 3), -1, { dtype: 'float64' });
    expect(plan.isa).toBe(backend().isa);
    expect(plan.op).toBe('softmax');
    expect(plan.dtype).toBe('float64');
    expect(plan.layout).toEqual({ outer: 4, dimSize: 3, inner: 1 });
    expect(explain(f32(2, 5, 7), 1, { op: 'logSoftmax' }).op).toBe('logSoftmax');
  });

  test('small calls are staged on one thread; short rows stay in a register', () => {
    const plan = explain(f32(2, 3), -1);
    expect(plan.staged).toBe(true);
    // Rows of 3 fit one vector on every set but scalar (one lane), which runs the three passes.
    expect(plan.variant).toBe(plan.lanes >= 3 ? 'rows.single_vector' : 'rows.three_pass');
    expect(plan.threads).toBe(1);
    expect(plan.split).toBe('none');
    expect(plan.lanes).toBeGreaterThanOrEqual(1);
  });

  test('rows longer than a vector take the three passes, split by rows on two threads', () => {
    setNumThreads(2);
    const plan = explain(f32(64, 1000), -1);
    expect(plan.variant).toBe('rows.three_pass');
    expect(plan.staged).toBe(false);
    expect(plan.streamOutput).toBe(false);
    expect(plan.threads).toBe(2);
    expect(plan.split).toBe('rows');
    setNumThreads(1);
    expect(explain(f32(64, 1000), -1)).toMatchObject({ threads: 1, split: 'none' });
  });

  test('one long row on two threads is cut into segments', () => {
    setNumThreads(2);
    expect(explain(f32(1, 50257), -1)).toMatchObject({ variant: 'segments.rows', split: 'row_segments', threads: 2 });
  });

  test('outputs of 16 MiB or more stream', () => {
    setNumThreads(1);
    const rows = explain(f32(4096, 1024), -1);
    expect(rows.streamOutput).toBe(true);
    expect(rows.variant).toBe('rows.streamed');
    const columns = explain(f32(4096, 1024), 0, { op: 'logSoftmax' });
    expect(columns.streamOutput).toBe(true);
    expect(columns.variant.startsWith('columns.chunked')).toBe(true);
    expect(explain(f32(4096, 1023), -1).streamOutput).toBe(false);
  });

  test('other dims run the columns kernels', () => {
    setNumThreads(1);
    expect(explain(f32(16, 1000, 64), 1).variant).toBe('columns.three_pass');
  });

  test('bad arguments throw as softmax does, and a bad op names itself', () => {
    expect(() => explain(f32(2, 3), 2)).toThrow(/Dimension out of range/);
    expect(() => explain(f32(2, 3), -1, { op: 'max' as never })).toThrow(/options\.op/);
    expect(() => explain(f32(2, 3), -1, { dtype: 'int8' as never })).toThrow(/options\.dtype/);
  });
});
