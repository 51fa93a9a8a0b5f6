import { zipSync } from 'fflate';

/** An array for an .npz: float32 numbers, or strings (stored as NumPy's fixed-width '<U'). */
export type NpyArray =
  | { readonly dtype: 'float32'; readonly shape: readonly number[]; readonly data: Float32Array }
  | { readonly dtype: 'str'; readonly data: readonly string[] };

/**
 * NumPy's .npz: a zip of .npy files (format 1.0: magic, version, header
 * length, a Python dict literal padded with spaces to a multiple of 64
 * bytes, then the raw little-endian data). No npm package writes .npy (npyjs
 * and numpy-parser only read), and the format is these few lines; the zip
 * is fflate's. Stored uncompressed, as np.savez does.
 */
export function npzBytes(arrays: Readonly<Record<string, NpyArray>>): Uint8Array {
  const files: Record<string, [Uint8Array, { level: 0 }]> = {};
  for (const [name, a] of Object.entries(arrays)) files[`${name}.npy`] = [npyBytes(a), { level: 0 }];
  return zipSync(files);
}

export function npyBytes(a: NpyArray): Uint8Array {
  const { descr, shape, body } = a.dtype === 'float32' ? floats(a.shape, a.data) : strings(a.data);
  const dims = shape.length === 1 ? `${shape[0]},` : shape.join(', ');
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${dims}), }`;
  // magic (6) + version (2) + length (2) + header + '\n', padded to 64.
  const unpadded = 10 + header.length + 1;
  header += ' '.repeat((64 - (unpadded % 64)) % 64) + '\n';
  const out = new Uint8Array(10 + header.length + body.byteLength);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0], 0); // \x93NUMPY v1.0
  new DataView(out.buffer).setUint16(8, header.length, true);
  out.set(Buffer.from(header, 'latin1'), 10);
  out.set(body, 10 + header.length);
  return out;
}

function floats(shape: readonly number[], data: Float32Array) {
  const n = shape.reduce((x, y) => x * y, 1);
  if (n !== data.length) throw new Error(`npy: shape ${shape.join('x')} for ${data.length} values`);
  // Float32Array is the platform's byte order: vaecf (like its artifacts) runs little-endian only.
  return { descr: '<f4', shape, body: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
}

/** '<U{w}': w UTF-32LE code points per string, zero-padded. */
function strings(data: readonly string[]) {
  const points = data.map((s) => Array.from(s, (c) => c.codePointAt(0)!));
  const w = points.reduce((m, p) => Math.max(m, p.length), 1);
  const body = new Uint8Array(4 * w * data.length);
  const view = new DataView(body.buffer);
  points.forEach((p, i) => p.forEach((c, j) => view.setUint32(4 * (i * w + j), c, true)));
  return { descr: `<U${w}`, shape: [data.length], body };
}
