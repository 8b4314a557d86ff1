/**
 * The Parquet compression codecs m4 reads, as hyparquet's `Compressors`: SNAPPY with our own
 * decompressor (faster than hyparquet's byte-by-byte one), GZIP and BROTLI through Node's zlib
 * (hyparquet reads neither without a plug-in). Given to the page decoder (parquet-pages.ts) and to
 * hyparquet's assembling reader alike (parquet-file.ts). A page that decompresses to another length
 * than its header says is refused by hyparquet's `decompressPage`.
 */
import type { Compressors } from 'hyparquet';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { snappyDecompress } from './snappy.ts';

/** zlib's codecs. */
export const ZLIB: Compressors = {
  GZIP: (input) => gunzipSync(input),
  BROTLI: (input) => brotliDecompressSync(input),
};

/** The Parquet codecs m4 reads: every other one is refused, naming these (parquet-file.ts). */
export const READ_CODECS: readonly string[] = ['UNCOMPRESSED', 'SNAPPY', 'GZIP', 'BROTLI'];

/** Every codec's decompressor, each page in a buffer of its own. */
export const COMPRESSORS: Compressors = { SNAPPY: snappyDecompress, ...ZLIB };
