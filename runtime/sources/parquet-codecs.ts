/**
 * The Parquet compression codecs m4 reads, as hyparquet's `Compressors`: SNAPPY with our own
 * decompressor (faster than hyparquet's byte-by-byte one), GZIP and BROTLI through Node's zlib,
 * ZSTD (polars' default) through fzstd, LZ4 (Hadoop-framed or bare) and LZ4_RAW through
 * hyparquet-compressors' LZ4 decoder (hyparquet reads none of these without a plug-in; Node 20's zlib has no ZSTD). Given to the page
 * decoder (parquet-pages.ts) and to hyparquet's assembling reader alike (parquet-file.ts). A page that
 * decompresses to another length than its header says is refused by hyparquet's `decompressPage`.
 * LZO, the one codec left, is refused by name.
 */
import type { Compressors } from 'hyparquet';
import { decompress as decompressZstd } from 'fzstd';
// lz4.js alone, not the package's index: that loads its Brotli and GZIP decoders and a WASM Snappy too
// (~17 ms at start-up, for codecs read here by zlib and our own decompressor).
import { decompressLz4, decompressLz4Raw } from './lz4-codec.ts';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { snappyDecompress } from './snappy.ts';

/** The codecs other than SNAPPY: each page decompressed into a buffer of its own. */
export const OTHER_CODECS: Compressors = {
  GZIP: (input) => gunzipSync(input),
  BROTLI: (input) => brotliDecompressSync(input),
  ZSTD: (input, size) => decompressZstd(input, new Uint8Array(size)),
  LZ4: (input, size) => decompressLz4(input, size),
  LZ4_RAW: (input, size) => decompressLz4Raw(input, size),
};

/** The Parquet codecs m4 reads: every other one is refused, naming these (parquet-file.ts). */
export const READ_CODECS: readonly string[] = ['UNCOMPRESSED', 'SNAPPY', 'GZIP', 'BROTLI', 'ZSTD', 'LZ4', 'LZ4_RAW'];

/** Every codec's decompressor, each page in a buffer of its own. */
export const COMPRESSORS: Compressors = { SNAPPY: snappyDecompress, ...OTHER_CODECS };
