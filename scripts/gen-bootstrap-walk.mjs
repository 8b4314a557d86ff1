#!/usr/bin/env node
// Writes stdlib/metrics/wasm/bootstrap-walk.wat, the bootstrap's SIMD kernel, for HASHES pair-key vectors
// (BLOCKS blocks of four resamples) per visit of a row: the vectors' code is the same but for their names
// and offsets, so it is generated rather than copied by hand. Then `node scripts/build-wasm.mjs` assembles
// it. test/stdlib/metrics/wasm-current.test.ts checks that the .wat is this script's output, that
// resample-simd.ts's VISIT is BLOCKS and that THRESHOLDS16 are poisson-weights.ts's.
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Pair-key vectors per visit of a row: each 32-bit word serves two resamples (its 16-bit halves), so
 * a vector of four words serves eight — two blocks of four resamples. Four (32 resamples) amortize
 * each row's loads and its unpredictable branch (a positive row closes its tie group); two cost 10%
 * more time, eight gained 2% (1M rows × 320 resamples, CPU time, same run) but round every range up
 * to 64 resamples.
 */
export const HASHES = 4;
/** Blocks of four resamples per visit of a row (resample-simd.ts's VISIT). */
export const BLOCKS = 2 * HASHES;

/**
 * The 16-bit Poisson(1) thresholds (poisson-weights.ts POISSON1_THRESHOLDS16; a test keeps the two
 * equal): the weight is the number of them its 16-bit uniform u is at or above.
 */
export const THRESHOLDS16 = [24109, 48219, 60274, 64291, 65296, 65497, 65531, 65535];
/** u ≥ T as a signed compare of u ^ 0x8000 (every half's top bit flipped in k1) with (T − 1) ^ 0x8000. */
const flip = (t) => t - 1 - 32768;
/** w ≥ 1..5 always compared; ≥ 6 the branch, then ≥ 6..8 the tail. */
const ALWAYS = THRESHOLDS16.slice(0, 5).map(flip);
const MASK = flip(THRESHOLDS16[5]);
const TAIL = THRESHOLDS16.slice(5).map(flip);
const SH = 'i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7';
const c4 = (v) => `(v128.const i32x4 ${v} ${v} ${v} ${v})`;
const c8 = (v) => `(v128.const i16x8 ${v} ${v} ${v} ${v} ${v} ${v} ${v} ${v})`;

/** lowbias32 (poisson-weights.ts) on the four lanes of local `v`, as wat lines indented by `pad`. */
function lowbias(v, pad) {
  const sp = ' '.repeat(pad);
  const xs = (k) => `${sp}(local.set ${v} (v128.xor (local.get ${v}) (i32x4.shr_u (local.get ${v}) (i32.const ${k}))))`;
  const mul = (c) => `${sp}(local.set ${v} (i32x4.mul (local.get ${v}) ${c4(c)}))`;
  return [xs(16), mul(2146121005), xs(15), mul(-2073254261), xs(16)].join('\n');
}

/**
 * Wat lines setting $x to the word of pair-key vector X for the row's keys ($k0v pre-shifted, $k1v
 * flipped): lowbias32(k0 ^ q) ^ k1, whose first step, x ^ (x >>> 16), distributes over k0 ^ q.
 */
function word(X, pad) {
  const sp = ' '.repeat(pad);
  return [
    `${sp}(local.set $x (v128.xor (local.get $k0v) (local.get $q${X})))`,
    `${sp}(local.set $x (i32x4.mul (local.get $x) ${c4(2146121005)}))`,
    `${sp}(local.set $x (v128.xor (local.get $x) (i32x4.shr_u (local.get $x) (i32.const 15))))`,
    `${sp}(local.set $x (i32x4.mul (local.get $x) ${c4(-2073254261)}))`,
    `${sp}(local.set $x (v128.xor (local.get $x) (i32x4.shr_u (local.get $x) (i32.const 16))))`,
    `${sp}(local.set $x (v128.xor (local.get $x) (local.get $k1v)))`,
  ].join('\n');
}

/** The sum of i16x8 compares of $x against `ts` (−1 per threshold reached), as one wat expression. */
function compares(ts, pad) {
  let expr = `(i16x8.gt_s (local.get $x) ${ts[0]})`;
  for (const t of ts.slice(1)) expr = `(i16x8.add ${expr}\n${' '.repeat(pad)}(i16x8.gt_s (local.get $x) ${t}))`;
  return expr;
}
const TL = ALWAYS.map((_, k) => `(local.get $T${k})`);

/**
 * Wat lines folding a closed tie group into the S and ap of the block at `B` (bytes from $st), given
 * its positives p and fpNext + fp0 in $p and $t and the totals cumAll, cumPos in $cav, $cpv (int32
 * lanes): S += p · (fpNext + fp0); ap += (p · cumPos) / max(cumAll, 1) — resample-engine.ts's
 * walkTile, term for term.
 */
function closing(B, pad) {
  const sp = ' '.repeat(pad);
  return `${sp}(local.set $c (i32x4.max_s (local.get $cav) (v128.const i32x4 1 1 1 1)))
${sp}(local.set $pLo (f64x2.convert_low_i32x4_s (local.get $p)))
${sp}(local.set $pHi (f64x2.convert_low_i32x4_s (${SH} (local.get $p) (local.get $p))))
${sp}(v128.store offset=${B + 64} (local.get $st)
${sp}  (f64x2.add (v128.load offset=${B + 64} (local.get $st)) (f64x2.mul (local.get $pLo) (f64x2.convert_low_i32x4_s (local.get $t)))))
${sp}(v128.store offset=${B + 80} (local.get $st)
${sp}  (f64x2.add (v128.load offset=${B + 80} (local.get $st)) (f64x2.mul (local.get $pHi) (f64x2.convert_low_i32x4_s (${SH} (local.get $t) (local.get $t))))))
${sp}(v128.store offset=${B + 96} (local.get $st)
${sp}  (f64x2.add (v128.load offset=${B + 96} (local.get $st))
${sp}    (f64x2.div (f64x2.mul (local.get $pLo) (f64x2.convert_low_i32x4_s (local.get $cpv))) (f64x2.convert_low_i32x4_s (local.get $c)))))
${sp}(v128.store offset=${B + 112} (local.get $st)
${sp}  (f64x2.add (v128.load offset=${B + 112} (local.get $st))
${sp}    (f64x2.div (f64x2.mul (local.get $pHi) (f64x2.convert_low_i32x4_s (${SH} (local.get $cpv) (local.get $cpv))))
${sp}      (f64x2.convert_low_i32x4_s (${SH} (local.get $c) (local.get $c))))))`;
}

/** The kernel's text for `H` pair-key vectors (2H blocks of four resamples) per visit. */
export function bootstrapWalkWat(H = HASHES) {
  const G = 2 * H;
  const X8 = [...'ABCDEFGHIJKLMNOP'].slice(0, H);
  /** Each vector's two blocks: [index, 'low' | 'high']. */
  const halves = (h) => [
    [2 * h, 'low'],
    [2 * h + 1, 'high'],
  ];
  const o = [];
  const w = (s) => o.push(s);
  w(`;; The bootstrap's inner loop, eight resamples per 32-bit SIMD lane group (resample-simd.ts drives it).
;;
;; GENERATED by scripts/gen-bootstrap-walk.mjs (${H} pair-key vectors, ${G} blocks, per visit): edit that
;; script, run it, then \`node scripts/build-wasm.mjs\`.
;;
;; \`walk\` visits the rows of one tile of a ranking, from the highest sorted position down, for \`nb\`
;; blocks of four resamples (\`nb\` a multiple of ${G}: ${G} blocks, ${4 * G} resamples, share each visit of a row).
;; Per row and pair of resamples it draws one 32-bit word, and from its two 16-bit halves the row's
;; Poisson(1) weights in the two resamples — exactly poisson-weights.ts's \`fillWeights\`:
;; lowbias32(k0 ^ q) ^ k1, each half against the 16-bit thresholds — and continues the descending
;; AUROC/AUPRC walk of resample-engine.ts's \`walkTile\`, with the same floating-point operations in
;; the same order, so every value is bit-identical to the scalar engine. The walk's integer totals
;; are int32 lanes (the caller keeps 16 · n below 2^31); within a visit of a tile, cumAll's growth
;; is an int16 lane (n ≤ 4095 rows of weight ≤ 8).
;;
;; Resamples, lanes and blocks: pair-key vector h of a visit holds four pair keys; its word j gives
;; resample 8h + 2j (low half) and 8h + 2j + 1 (high half), so as i16x8 lanes the weights are the
;; resamples 8h..8h + 7 in order, and their low and high four (extended to i32x4) are blocks 2h
;; and 2h + 1.
;;
;; Memory, all offsets in bytes, per-row arrays in ascending sorted position of the tile:
;;   k0p, k1p  u32[n]   the rows' keys (poisson-weights.ts fillRowKeys), k0 as k0 ^ (k0 >>> 16), k1 as
;;                      k1 ^ 0x80008000 (each half's top bit flipped: the compares below are signed);
;;                      derive ≠ 0: every row id is below 2^32 and k1 was not stored: the kernel
;;                      fills k1p from k0 and the seed word s1 first (fillRowKeys' second key with a
;;                      zero high word), once per call; derive = 2: k0p holds the rows' store
;;                      indices, each row's id is base + index, and k0 is derived from it first
;;                      (c0: lowbias32 of the seed word s0); both buffers hold n rounded up to 4
;;   flp       u8[n]    bit 0: positive row; bit 1: lowest position of a tie group holding a
;;                      positive (the walk closes the group there); bit 2: highest position of such
;;                      a group (the walk opens it there). Groups without a positive need no update.
;;   qp        v128[nb / 2] pair keys q, four per vector, as q ^ (q >>> 16)
;;   stp       128 B per block: cumAll i32x4, cumPos i32x4, tp0 i32x4, fp0 i32x4,
;;                      S f64x2 x2 (lanes 0-1, 2-3), ap f64x2 x2
;;   K > 0: the tile's per-row sum channels (f64, channel-major, xp) are weighted and summed per
;;   resample in ascending position order from 0 (as replica-bank.ts's weightedSums), and each
;;   channel's tile sum is added to the block's accumulators at accp + 32 · (b · K + k) (f64x2 x2)
;;   — NEGATED: the kernel's weights are −w (below), so it sums −(w · x) in that order, and the
;;   caller takes 0 − the accumulator: the same bits (rounding to nearest is symmetric; a zero
;;   total comes out +0 either way).
;;   wsp: scratch, ${16 * H} · n bytes (the visit's weights as i16x8, read again by the flagged rows and the sums).
;; A weight is the number of thresholds its 16-bit uniform u is at or above; the compares are
;; signed ((u ^ 2^15) > (T − 1) ^ 2^15), one instruction each, and give −1 per threshold reached:
;; their sum is −w (four additions, no subtraction from zero), and the totals subtract it. Weights
;; 0..5 take no branch; one branch per row, taken when some lane reaches 6 (P = 0.06% per lane:
;; the visit's largest half against that threshold, one compare per row), draws the words again
;; and adds the tail's thresholds.
;;
;; What stays in registers is what every row touches: the pair keys and, per vector, cumAll's
;; growth over the visit (int16 lanes, ca16). A row that is not flagged — a negative at neither end of
;; a tie group holding a positive, most rows — costs its words, compares and that subtraction
;; only. The rest of a block's state stays in memory, touched at the flagged rows: cumAll there is
;; its value at the visit's start until the visit ends (the absolute total is that plus ca16),
;; cumPos its current value.
(module
  (memory (export "memory") 2)

  (func (export "walk")
    (param $n i32) (param $k0p i32) (param $k1p i32) (param $flp i32) (param $qp i32) (param $nb i32)
    (param $stp i32) (param $wsp i32) (param $xp i32) (param $K i32) (param $accp i32) (param $s1 i32) (param $derive i32) (param $base i32) (param $c0 i32)
    (local $b i32) (local $i i32) (local $f i32) (local $k i32) (local $st i32) (local $o i32) (local $wrow i32) (local $h i32)
    (local $k0v v128) (local $k1v v128) (local $x v128) (local $m v128) (local $wv v128) (local $d v128)
    (local $p v128) (local $t v128) (local $c v128) (local $cav v128) (local $cpv v128) (local $wl v128)
    (local $pLo v128) (local $pHi v128) (local $xv v128) (local $x2v v128) (local $o2 i32) (local $kv v128) (local $wA v128) (local $wB v128)
    (local $a2LoA v128) (local $a2HiA v128) (local $a2LoB v128) (local $a2HiB v128) (local $aLoA v128) (local $aHiA v128) (local $aLoB v128) (local $aHiB v128)`);
  for (const X of X8) w(`    (local $q${X} v128) (local $ca16${X} v128)`);
  w(ALWAYS.map((t, k) => `    (local $T${k} v128)`).join(''));
  w(ALWAYS.map((t, k) => `    (local.set $T${k} ${c8(t)})`).join('\n'));
  w(`    ;; derive = 2: k0p holds each row's store index and every row id is base + index, below 2^32:
    ;; k0 = lowbias32(id ^ c0), c0 = lowbias32(s0) (fillRowKeys with a zero high word), stored in place
    ;; pre-shifted; four rows at a time (the tile buffers hold whole groups of four)
    (if (i32.eq (local.get $derive) (i32.const 2))
      (then
        (local.set $i (i32.const 0))
        (block $indexDone
          (loop $index
            (br_if $indexDone (i32.ge_u (local.get $i) (local.get $n)))
            (local.set $o (i32.add (local.get $k0p) (i32.shl (local.get $i) (i32.const 2))))
            (local.set $kv (v128.xor (i32x4.add (v128.load (local.get $o)) (i32x4.splat (local.get $base))) (i32x4.splat (local.get $c0))))
${lowbias('$kv', 14)}
            (v128.store (local.get $o) (v128.xor (local.get $kv) (i32x4.shr_u (local.get $kv) (i32.const 16))))
            (local.set $i (i32.add (local.get $i) (i32.const 4)))
            (br $index)))))
    ;; derive ≠ 0: every row id is below 2^32, and k1 is not stored: fill it in, once per tile, as
    ;; lowbias32(lowbias32(k0 ^ s1)) (fillRowKeys with a zero high word; k0 unshifted first), flipped,
    ;; four rows at a time
    (if (local.get $derive)
      (then
        (local.set $i (i32.const 0))
        (block $deriveDone
          (loop $derive
            (br_if $deriveDone (i32.ge_u (local.get $i) (local.get $n)))
            (local.set $kv (v128.load (i32.add (local.get $k0p) (i32.shl (local.get $i) (i32.const 2)))))
            (local.set $kv (v128.xor (v128.xor (local.get $kv) (i32x4.shr_u (local.get $kv) (i32.const 16))) (i32x4.splat (local.get $s1))))
${lowbias('$kv', 14)}
${lowbias('$kv', 14)}
            (v128.store (i32.add (local.get $k1p) (i32.shl (local.get $i) (i32.const 2))) (v128.xor (local.get $kv) ${c4(-2147450880)}))
            (local.set $i (i32.add (local.get $i) (i32.const 4)))
            (br $derive)))))`);
  w(`    ;; b counts visits (${G} blocks each)
    (block $blocksDone
      (loop $blocks
        (br_if $blocksDone (i32.ge_u (i32.mul (local.get $b) (i32.const ${G})) (local.get $nb)))`);
  X8.forEach((X, k) =>
    w(`        (local.set $q${X} (v128.load offset=${16 * k} (i32.add (local.get $qp) (i32.mul (local.get $b) (i32.const ${16 * H})))))
        (local.set $ca16${X} (v128.const i32x4 0 0 0 0))`),
  );
  w(`        (local.set $st (i32.add (local.get $stp) (i32.mul (local.get $b) (i32.const ${128 * G}))))
        (local.set $i (local.get $n))
        (local.set $wrow (i32.add (local.get $wsp) (i32.mul (local.get $n) (i32.const ${16 * H}))))
        (block $rowsDone
          (loop $rows
            (br_if $rowsDone (i32.eqz (local.get $i)))
            (local.set $i (i32.sub (local.get $i) (i32.const 1)))
            (local.set $wrow (i32.sub (local.get $wrow) (i32.const ${16 * H})))
            (local.set $k0v (i32x4.splat (i32.load (i32.add (local.get $k0p) (i32.shl (local.get $i) (i32.const 2))))))
            (local.set $k1v (i32x4.splat (i32.load (i32.add (local.get $k1p) (i32.shl (local.get $i) (i32.const 2))))))`);
  X8.forEach((X, k) => {
    w(`            ;; pair keys ${X}: the weights (as −w) into the row's scratch and cumAll's growth
${word(X, 12)}
            (local.set $wv
              ${compares(TL, 16)})
            (v128.store offset=${16 * k} (local.get $wrow) (local.get $wv))
            (local.set $ca16${X} (i16x8.sub (local.get $ca16${X}) (local.get $wv)))
            (local.set $m ${k === 0 ? '(local.get $x)' : '(i16x8.max_s (local.get $m) (local.get $x))'})`);
  });
  w(`            (if (v128.any_true (i16x8.gt_s (local.get $m) ${c8(MASK)}))
              (then
                ;; the tail (P(w ≥ 6) = 0.06% per lane): the words again, and their thresholds from 6 up`);
  X8.forEach((X, k) => {
    w(`${word(X, 16)}
                (local.set $wv
                  ${compares(TAIL.map(c8), 20)})
                (v128.store offset=${16 * k} (local.get $wrow) (i16x8.add (v128.load offset=${16 * k} (local.get $wrow)) (local.get $wv)))
                (local.set $ca16${X} (i16x8.sub (local.get $ca16${X}) (local.get $wv)))`);
  });
  w(`))
            (local.set $f (i32.load8_u (i32.add (local.get $flp) (local.get $i))))
            (if (local.get $f)
              (then
                (if (i32.eq (local.get $f) (i32.const 7))
                  (then
                    ;; a positive row alone in its tie group (most positives on continuous scores): the
                    ;; group opens and closes here, so tp0 and fp0 make no trip through memory: its p is
                    ;; the row's weight, and fpNext + fp0 = 2 (cumAll − cumPos) (a positive row moves
                    ;; both totals alike) — the same integers as the general case below`);
  X8.forEach((X, h) => {
    w(`                    (local.set $wv (v128.load offset=${16 * h} (local.get $wrow)))`);
    for (const [k, half] of halves(h)) {
      const B = 128 * k;
      w(`                    (local.set $wl (i32x4.extend_${half}_i16x8_s (local.get $wv)))
                    (local.set $cpv (i32x4.sub (v128.load offset=${B + 16} (local.get $st)) (local.get $wl)))
                    (v128.store offset=${B + 16} (local.get $st) (local.get $cpv))
                    (local.set $cav (i32x4.add (v128.load offset=${B} (local.get $st)) (i32x4.extend_${half}_i16x8_s (local.get $ca16${X}))))
                    (local.set $p (i32x4.neg (local.get $wl)))
                    (local.set $t (i32x4.shl (i32x4.sub (local.get $cav) (local.get $cpv)) (i32.const 1)))
${closing(B, 20)}`);
    }
  });
  w(`)
                  (else
                    (if (i32.and (local.get $f) (i32.const 4))
                      (then
                        ;; entering a tie group that holds a positive: the totals strictly above it
                        ;; (tp0, fp0), cumAll before this row's weight (ca16 + w, w negative)`);
  X8.forEach((X, h) => {
    w(`                        (local.set $d (i16x8.add (local.get $ca16${X}) (v128.load offset=${16 * h} (local.get $wrow))))`);
    for (const [k, half] of halves(h)) {
      const B = 128 * k;
      w(`                        (local.set $cpv (v128.load offset=${B + 16} (local.get $st)))
                        (v128.store offset=${B + 32} (local.get $st) (local.get $cpv))
                        (v128.store offset=${B + 48} (local.get $st)
                          (i32x4.sub (i32x4.add (v128.load offset=${B} (local.get $st)) (i32x4.extend_${half}_i16x8_s (local.get $d))) (local.get $cpv)))`);
    }
  });
  w(`))
                    (if (i32.and (local.get $f) (i32.const 1))
                      (then
                        ;; a positive row: cumPos moves`);
  X8.forEach((X, h) => {
    w(`                        (local.set $wv (v128.load offset=${16 * h} (local.get $wrow)))`);
    for (const [k, half] of halves(h)) {
      const B = 128 * k;
      w(`                        (v128.store offset=${B + 16} (local.get $st)
                          (i32x4.sub (v128.load offset=${B + 16} (local.get $st)) (i32x4.extend_${half}_i16x8_s (local.get $wv))))`);
    }
  });
  w(`))
                    (if (i32.and (local.get $f) (i32.const 2))
                      (then
                        ;; closing it: p positives, negatives above it (fp0) and through it (cumAll − cumPos);
                        ;; S += p · (2 · fpNext − ng) with 2 · fpNext − ng = fpNext + fp0`);
  X8.forEach((X, h) => {
    for (const [k, half] of halves(h)) {
      const B = 128 * k;
      w(`                        (local.set $cpv (v128.load offset=${B + 16} (local.get $st)))
                        (local.set $cav (i32x4.add (v128.load offset=${B} (local.get $st)) (i32x4.extend_${half}_i16x8_s (local.get $ca16${X}))))
                        (local.set $p (i32x4.sub (local.get $cpv) (v128.load offset=${B + 32} (local.get $st))))
                        (local.set $t (i32x4.add (i32x4.sub (local.get $cav) (local.get $cpv)) (v128.load offset=${B + 48} (local.get $st))))
${closing(B, 24)}`);
    }
  });
  w(`))))))
            (br $rows)))
        ;; the visit's cumAll growth into the blocks' totals`);
  X8.forEach((X, h) => {
    for (const [k, half] of halves(h))
      w(`        (v128.store offset=${128 * k} (local.get $st)
          (i32x4.add (v128.load offset=${128 * k} (local.get $st)) (i32x4.extend_${half}_i16x8_s (local.get $ca16${X}))))`);
  });
  w(`        ;; The sum channels, each from 0 over the tile in ascending position, then into the blocks;
        ;; per pass one pair-key vector h of the visit (blocks 2h, 2h + 1) and two channels (k, k + 1;
        ;; the second repeats the first when K is odd, and its sums are then dropped), so eight
        ;; independent additions share each row.
        (local.set $h (i32.const 0))
        (block $halvesDone
          (loop $halves
            (br_if $halvesDone (i32.ge_u (local.get $h) (i32.const ${H})))
            (local.set $k (i32.const 0))
            (block $chansDone
              (loop $chans
                (br_if $chansDone (i32.ge_u (local.get $k) (local.get $K)))
                (local.set $aLoA (v128.const f64x2 0 0))
                (local.set $aHiA (v128.const f64x2 0 0))
                (local.set $aLoB (v128.const f64x2 0 0))
                (local.set $aHiB (v128.const f64x2 0 0))
                (local.set $a2LoA (v128.const f64x2 0 0))
                (local.set $a2HiA (v128.const f64x2 0 0))
                (local.set $a2LoB (v128.const f64x2 0 0))
                (local.set $a2HiB (v128.const f64x2 0 0))
                (local.set $o (i32.add (local.get $xp) (i32.shl (i32.mul (local.get $k) (local.get $n)) (i32.const 3))))
                (local.set $o2 (select
                  (i32.add (local.get $o) (i32.shl (local.get $n) (i32.const 3)))
                  (local.get $o)
                  (i32.lt_u (i32.add (local.get $k) (i32.const 1)) (local.get $K))))
                (local.set $wrow (i32.add (local.get $wsp) (i32.shl (local.get $h) (i32.const 4))))
                (local.set $i (i32.const 0))
                (block $sumDone
                  (loop $sum
                    (br_if $sumDone (i32.ge_u (local.get $i) (local.get $n)))
                    (local.set $xv (f64x2.splat (f64.load (i32.add (local.get $o) (i32.shl (local.get $i) (i32.const 3))))))
                    (local.set $x2v (f64x2.splat (f64.load (i32.add (local.get $o2) (i32.shl (local.get $i) (i32.const 3))))))
                    (local.set $wB (v128.load (local.get $wrow)))
                    (local.set $wA (i32x4.extend_low_i16x8_s (local.get $wB)))
                    (local.set $wB (i32x4.extend_high_i16x8_s (local.get $wB)))
                    (local.set $pLo (f64x2.convert_low_i32x4_s (local.get $wA)))
                    (local.set $pHi (f64x2.convert_low_i32x4_s (${SH} (local.get $wA) (local.get $wA))))
                    (local.set $aLoA (f64x2.add (local.get $aLoA) (f64x2.mul (local.get $pLo) (local.get $xv))))
                    (local.set $aHiA (f64x2.add (local.get $aHiA) (f64x2.mul (local.get $pHi) (local.get $xv))))
                    (local.set $a2LoA (f64x2.add (local.get $a2LoA) (f64x2.mul (local.get $pLo) (local.get $x2v))))
                    (local.set $a2HiA (f64x2.add (local.get $a2HiA) (f64x2.mul (local.get $pHi) (local.get $x2v))))
                    (local.set $pLo (f64x2.convert_low_i32x4_s (local.get $wB)))
                    (local.set $pHi (f64x2.convert_low_i32x4_s (${SH} (local.get $wB) (local.get $wB))))
                    (local.set $aLoB (f64x2.add (local.get $aLoB) (f64x2.mul (local.get $pLo) (local.get $xv))))
                    (local.set $aHiB (f64x2.add (local.get $aHiB) (f64x2.mul (local.get $pHi) (local.get $xv))))
                    (local.set $a2LoB (f64x2.add (local.get $a2LoB) (f64x2.mul (local.get $pLo) (local.get $x2v))))
                    (local.set $a2HiB (f64x2.add (local.get $a2HiB) (f64x2.mul (local.get $pHi) (local.get $x2v))))
                    (local.set $wrow (i32.add (local.get $wrow) (i32.const ${16 * H})))
                    (local.set $i (i32.add (local.get $i) (i32.const 1)))
                    (br $sum)))
                ;; block b's channel k at accp + 32 (b K + k); this pass is blocks ${G} b + 2h and ${G} b + 2h + 1
                (local.set $o (i32.add (local.get $accp) (i32.shl (i32.add (i32.mul (i32.add (i32.mul (local.get $b) (i32.const ${G})) (i32.shl (local.get $h) (i32.const 1))) (local.get $K)) (local.get $k)) (i32.const 5))))
                (v128.store offset=0 (local.get $o) (f64x2.add (v128.load offset=0 (local.get $o)) (local.get $aLoA)))
                (v128.store offset=16 (local.get $o) (f64x2.add (v128.load offset=16 (local.get $o)) (local.get $aHiA)))
                (if (i32.lt_u (i32.add (local.get $k) (i32.const 1)) (local.get $K))
                  (then
                    (v128.store offset=32 (local.get $o) (f64x2.add (v128.load offset=32 (local.get $o)) (local.get $a2LoA)))
                    (v128.store offset=48 (local.get $o) (f64x2.add (v128.load offset=48 (local.get $o)) (local.get $a2HiA)))))
                (local.set $o (i32.add (local.get $o) (i32.shl (local.get $K) (i32.const 5))))
                (v128.store offset=0 (local.get $o) (f64x2.add (v128.load offset=0 (local.get $o)) (local.get $aLoB)))
                (v128.store offset=16 (local.get $o) (f64x2.add (v128.load offset=16 (local.get $o)) (local.get $aHiB)))
                (if (i32.lt_u (i32.add (local.get $k) (i32.const 1)) (local.get $K))
                  (then
                    (v128.store offset=32 (local.get $o) (f64x2.add (v128.load offset=32 (local.get $o)) (local.get $a2LoB)))
                    (v128.store offset=48 (local.get $o) (f64x2.add (v128.load offset=48 (local.get $o)) (local.get $a2HiB)))))
                (local.set $k (i32.add (local.get $k) (i32.const 2)))
                (br $chans)))
            (local.set $h (i32.add (local.get $h) (i32.const 1)))
            (br $halves)))
        (local.set $b (i32.add (local.get $b) (i32.const 1)))
        (br $blocks))))
)
`);
  return o.join('\n');
}

export const WAT_PATH = join(dirname(fileURLToPath(import.meta.url)), '../stdlib/metrics/wasm/bootstrap-walk.wat');

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(WAT_PATH, bootstrapWalkWat());
  console.log(`wrote ${WAT_PATH} (${HASHES} pair-key vectors, ${BLOCKS} blocks, per visit); now run node scripts/build-wasm.mjs`);
}
