// Reads the sections and data segments of a wasm binary. One reader for the
// stack test (www/test/hostile.test.js) and the floor benchmark
// (bench/floor.mjs), which rewrites the module from them.

/** A cursor over a wasm binary's bytes. */
function reader(bytes, pos = 0) {
  const leb = (signed) => {
    let result = 0;
    let shift = 0;
    let byte;
    do {
      byte = bytes[pos++];
      result += (byte & 0x7f) * 2 ** shift;
      shift += 7;
    } while (byte & 0x80);
    return signed && byte & 0x40 ? result - 2 ** shift : result;
  };
  return {
    get pos() {
      return pos;
    },
    u32: () => leb(false),
    /** A constant i32 expression (`i32.const n; end`), as a data offset. */
    offset() {
      if (bytes[pos++] !== 0x41) throw new Error('wasm: a data segment offset is not an i32.const');
      const offset = leb(true) >>> 0;
      if (bytes[pos++] !== 0x0b) throw new Error('wasm: a data segment offset is not a constant');
      return offset;
    },
    skip(n) {
      pos += n;
    },
  };
}

/** The sections of a wasm binary: `{ id, start, end }` (contents only). */
export function sections(bytes) {
  const out = [];
  const r = reader(bytes, 8);
  while (r.pos < bytes.length) {
    const id = bytes[r.pos];
    r.skip(1);
    const size = r.u32();
    out.push({ id, start: r.pos, end: r.pos + size });
    r.skip(size);
  }
  return out;
}

/**
 * The data segments: `{ offset, bytes }`, `offset` undefined for a passive
 * one. An empty list when there is no data section.
 */
export function dataSegments(bytes) {
  const data = sections(bytes).find((s) => s.id === 11);
  if (!data) return [];
  const r = reader(bytes, data.start);
  const segments = [];
  for (let n = r.u32(); n > 0; n--) {
    const flag = r.u32();
    if (flag === 2) r.u32(); // memory index
    const offset = flag === 1 ? undefined : r.offset();
    const size = r.u32();
    segments.push({ offset, bytes: bytes.subarray(r.pos, r.pos + size) });
    r.skip(size);
  }
  return segments;
}
