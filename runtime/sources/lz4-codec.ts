/**
 * hyparquet-compressors' LZ4 decoders (Parquet's Hadoop-framed LZ4 and LZ4_RAW), typed: its `src/lz4.js` has
 * no declaration of its own, and importing it alone keeps the package's other decoders out of start-up.
 */
// @ts-expect-error -- a JavaScript module without types; its two exports are typed below.
import * as lz4 from 'hyparquet-compressors/src/lz4.js';

type Decode = (input: Uint8Array, outputLength: number) => Uint8Array;

/** Parquet's LZ4 codec: Hadoop's framing (sizes, then blocks), or a bare block as some writers wrote it. */
export const decompressLz4: Decode = (lz4 as { decompressLz4: Decode }).decompressLz4;

/** Parquet's LZ4_RAW codec: one bare LZ4 block. */
export const decompressLz4Raw: Decode = (lz4 as { decompressLz4Raw: Decode }).decompressLz4Raw;
