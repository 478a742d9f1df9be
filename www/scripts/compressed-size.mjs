// raw / gzip -9 / brotli q11 (window 24) sizes of some bytes: what a static
// host serves pre-compressed. One definition for the build's size report
// (sizes.mjs), the size-budget test and the benchmark.

import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

/** @param {Uint8Array | string} bytes */
export function compressedSizes(bytes) {
  if (typeof bytes === 'string') bytes = Buffer.from(bytes);
  return {
    raw: bytes.length,
    gzip: gzipSync(bytes, { level: 9 }).length,
    brotli: brotliCompressSync(bytes, {
      params: {
        [constants.BROTLI_PARAM_QUALITY]: 11,
        [constants.BROTLI_PARAM_LGWIN]: 24,
        [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length,
      },
    }).length,
  };
}
