;; The bootstrap's inner loop, four resamples per SIMD lane group (resample-simd.ts drives it).
;;
;; `walk` visits the rows of one tile of a ranking, from the highest sorted position down, for `nb`
;; blocks of four resamples (`nb` even: two blocks, eight resamples, share each visit of a row).
;; Per row and resample it draws the row's Poisson(1) weight — exactly
;; poisson-weights.ts's `fillWeights`: lowbias32(k0 ^ q) ^ k1 against the Poisson(1) thresholds —
;; and continues the descending AUROC/AUPRC walk of resample-engine.ts's `walkTile`, with the same
;; floating-point operations in the same order, so every value is bit-identical to the scalar
;; engine. The walk's integer totals are int32 lanes: the caller keeps 26 · n below 2^31.
;;
;; Memory, all offsets in bytes, per-row arrays in ascending sorted position of the tile:
;;   k0p, k1p  u32[n]   the rows' keys (poisson-weights.ts fillRowKeys)
;;   flp       u8[n]    bit 0: positive row; bit 1: lowest position of a tie group holding a
;;                      positive (the walk closes the group there); bit 2: highest position of such
;;                      a group (the walk opens it there). Groups without a positive need no update.
;;   qp        v128[nb] resample keys, four per block
;;   stp       128 B per block: cumAll i32x4, cumPos i32x4, tp0 i32x4, fp0 i32x4,
;;                      S f64x2 x2 (lanes 0-1, 2-3), ap f64x2 x2
;;   K > 0: the tile's per-row sum channels (f64, channel-major, xp) are weighted and summed per
;;   resample in ascending position order from 0 (as replica-bank.ts's weightedSums), and each
;;   channel's tile sum is added to the block's accumulators at accp + 32 · (b · K + k) (f64x2 x2).
;;   wsp: scratch, 32 · n bytes (the two blocks' weights, reused by the sums).
;; A weight is the number of Poisson(1) thresholds its uniform word u is at or above; the compares
;; are signed ((u ^ 2^31) > (T ^ 2^31) − 1), one instruction each where unsigned ones take two.
;; Only the running totals (cumAll, cumPos) live in locals; the rest of a block's state stays in
;; memory and is touched at the rows that open or close a tie group holding a positive — fewer
;; live vectors, so the hot loop keeps them in registers.
;; Each block-A line has its block-B twin: keep them in step.
(module
  (memory (export "memory") 2)

  (func (export "walk")
    (param $n i32) (param $k0p i32) (param $k1p i32) (param $flp i32) (param $qp i32) (param $nb i32)
    (param $stp i32) (param $wsp i32) (param $xp i32) (param $K i32) (param $accp i32)
    (local $b i32) (local $i i32) (local $f i32) (local $k i32) (local $st i32) (local $o i32) (local $wrow i32)
    (local $k0v v128) (local $k1v v128) (local $pm v128) (local $p v128) (local $t v128) (local $c v128)
    (local $pLo v128) (local $pHi v128) (local $xv v128) (local $x2v v128) (local $o2 i32)
    (local $a2LoA v128) (local $a2HiA v128) (local $a2LoB v128) (local $a2HiB v128)
    (local $qA v128) (local $xA v128) (local $wA v128) (local $mA v128) (local $caA v128) (local $cpA v128) (local $aLoA v128) (local $aHiA v128) (local $qB v128) (local $xB v128) (local $wB v128) (local $mB v128) (local $caB v128) (local $cpB v128) (local $aLoB v128) (local $aHiB v128)
    ;; b counts pairs of blocks
    (block $blocksDone
      (loop $blocks
        (br_if $blocksDone (i32.ge_u (i32.shl (local.get $b) (i32.const 1)) (local.get $nb)))
        (local.set $qA (v128.load offset=0 (i32.add (local.get $qp) (i32.shl (local.get $b) (i32.const 5)))))
        (local.set $qB (v128.load offset=16 (i32.add (local.get $qp) (i32.shl (local.get $b) (i32.const 5)))))
        (local.set $st (i32.add (local.get $stp) (i32.shl (local.get $b) (i32.const 8))))
        (local.set $caA (v128.load offset=0 (local.get $st)))
        (local.set $cpA (v128.load offset=16 (local.get $st)))
        (local.set $caB (v128.load offset=128 (local.get $st)))
        (local.set $cpB (v128.load offset=144 (local.get $st)))
        (local.set $i (local.get $n))
        (local.set $wrow (i32.add (local.get $wsp) (i32.shl (local.get $n) (i32.const 5))))
        (block $rowsDone
          (loop $rows
            (br_if $rowsDone (i32.eqz (local.get $i)))
            (local.set $i (i32.sub (local.get $i) (i32.const 1)))
            (local.set $wrow (i32.sub (local.get $wrow) (i32.const 32)))
            (local.set $k0v (i32x4.splat (i32.load (i32.add (local.get $k0p) (i32.shl (local.get $i) (i32.const 2))))))
            (local.set $k1v (v128.xor (i32x4.splat (i32.load (i32.add (local.get $k1p) (i32.shl (local.get $i) (i32.const 2)))))
              (v128.const i32x4 0x80000000 0x80000000 0x80000000 0x80000000)))
            ;; block A: lowbias32(k0 ^ q) ^ k1, flipped to signed order for the threshold compares
            (local.set $xA (v128.xor (local.get $k0v) (local.get $qA)))
            (local.set $xA (v128.xor (local.get $xA) (i32x4.shr_u (local.get $xA) (i32.const 16))))
            (local.set $xA (i32x4.mul (local.get $xA) (v128.const i32x4 2146121005 2146121005 2146121005 2146121005)))
            (local.set $xA (v128.xor (local.get $xA) (i32x4.shr_u (local.get $xA) (i32.const 15))))
            (local.set $xA (i32x4.mul (local.get $xA) (v128.const i32x4 -2073254261 -2073254261 -2073254261 -2073254261)))
            (local.set $xA (v128.xor (local.get $xA) (i32x4.shr_u (local.get $xA) (i32.const 16))))
            (local.set $xA (v128.xor (local.get $xA) (local.get $k1v)))
            (local.set $wA
              (i32x4.sub (i32x4.sub (i32x4.sub (i32x4.sub (i32x4.sub (v128.const i32x4 0 0 0 0)
                (i32x4.gt_s (local.get $xA) (v128.const i32x4 -567453481 -567453481 -567453481 -567453481)))
                (i32x4.gt_s (local.get $xA) (v128.const i32x4 1012576688 1012576688 1012576688 1012576688)))
                (i32x4.gt_s (local.get $xA) (v128.const i32x4 1802591772 1802591772 1802591772 1802591772)))
                (i32x4.gt_s (local.get $xA) (v128.const i32x4 2065930134 2065930134 2065930134 2065930134)))
                (i32x4.gt_s (local.get $xA) (v128.const i32x4 2131764724 2131764724 2131764724 2131764724))))
            (local.set $mA (i32x4.gt_s (local.get $xA) (v128.const i32x4 2144931642 2144931642 2144931642 2144931642)))
            ;; block B: lowbias32(k0 ^ q) ^ k1, flipped to signed order for the threshold compares
            (local.set $xB (v128.xor (local.get $k0v) (local.get $qB)))
            (local.set $xB (v128.xor (local.get $xB) (i32x4.shr_u (local.get $xB) (i32.const 16))))
            (local.set $xB (i32x4.mul (local.get $xB) (v128.const i32x4 2146121005 2146121005 2146121005 2146121005)))
            (local.set $xB (v128.xor (local.get $xB) (i32x4.shr_u (local.get $xB) (i32.const 15))))
            (local.set $xB (i32x4.mul (local.get $xB) (v128.const i32x4 -2073254261 -2073254261 -2073254261 -2073254261)))
            (local.set $xB (v128.xor (local.get $xB) (i32x4.shr_u (local.get $xB) (i32.const 16))))
            (local.set $xB (v128.xor (local.get $xB) (local.get $k1v)))
            (local.set $wB
              (i32x4.sub (i32x4.sub (i32x4.sub (i32x4.sub (i32x4.sub (v128.const i32x4 0 0 0 0)
                (i32x4.gt_s (local.get $xB) (v128.const i32x4 -567453481 -567453481 -567453481 -567453481)))
                (i32x4.gt_s (local.get $xB) (v128.const i32x4 1012576688 1012576688 1012576688 1012576688)))
                (i32x4.gt_s (local.get $xB) (v128.const i32x4 1802591772 1802591772 1802591772 1802591772)))
                (i32x4.gt_s (local.get $xB) (v128.const i32x4 2065930134 2065930134 2065930134 2065930134)))
                (i32x4.gt_s (local.get $xB) (v128.const i32x4 2131764724 2131764724 2131764724 2131764724))))
            (local.set $mB (i32x4.gt_s (local.get $xB) (v128.const i32x4 2144931642 2144931642 2144931642 2144931642)))
            (if (v128.any_true (v128.or (local.get $mA) (local.get $mB)))
              (then
                ;; the tail, P(w >= 6) = 0.06% per lane, 0.5% per row of eight lanes
                (local.set $wA (i32x4.sub (local.get $wA) (local.get $mA)))
                (local.set $wA (i32x4.sub (local.get $wA) (i32x4.gt_s (local.get $xA) (v128.const i32x4 2147126128 2147126128 2147126128 2147126128))))
                (local.set $wA (i32x4.sub (local.get $wA) (i32x4.gt_s (local.get $xA) (v128.const i32x4 2147439627 2147439627 2147439627 2147439627))))
                (local.set $wA (i32x4.sub (local.get $wA) (i32x4.gt_s (local.get $xA) (v128.const i32x4 2147478814 2147478814 2147478814 2147478814))))
                (local.set $wA (i32x4.sub (local.get $wA) (i32x4.gt_s (local.get $xA) (v128.const i32x4 2147483168 2147483168 2147483168 2147483168))))
                (local.set $wA (i32x4.sub (local.get $wA) (i32x4.gt_s (local.get $xA) (v128.const i32x4 2147483603 2147483603 2147483603 2147483603))))
                (local.set $wA (i32x4.sub (local.get $wA) (i32x4.gt_s (local.get $xA) (v128.const i32x4 2147483643 2147483643 2147483643 2147483643))))
                (local.set $wA (i32x4.sub (local.get $wA) (i32x4.gt_s (local.get $xA) (v128.const i32x4 2147483646 2147483646 2147483646 2147483646))))
                (local.set $wB (i32x4.sub (local.get $wB) (local.get $mB)))
                (local.set $wB (i32x4.sub (local.get $wB) (i32x4.gt_s (local.get $xB) (v128.const i32x4 2147126128 2147126128 2147126128 2147126128))))
                (local.set $wB (i32x4.sub (local.get $wB) (i32x4.gt_s (local.get $xB) (v128.const i32x4 2147439627 2147439627 2147439627 2147439627))))
                (local.set $wB (i32x4.sub (local.get $wB) (i32x4.gt_s (local.get $xB) (v128.const i32x4 2147478814 2147478814 2147478814 2147478814))))
                (local.set $wB (i32x4.sub (local.get $wB) (i32x4.gt_s (local.get $xB) (v128.const i32x4 2147483168 2147483168 2147483168 2147483168))))
                (local.set $wB (i32x4.sub (local.get $wB) (i32x4.gt_s (local.get $xB) (v128.const i32x4 2147483603 2147483603 2147483603 2147483603))))
                (local.set $wB (i32x4.sub (local.get $wB) (i32x4.gt_s (local.get $xB) (v128.const i32x4 2147483643 2147483643 2147483643 2147483643))))
                (local.set $wB (i32x4.sub (local.get $wB) (i32x4.gt_s (local.get $xB) (v128.const i32x4 2147483646 2147483646 2147483646 2147483646))))))
            (if (local.get $K) (then (v128.store offset=0 (local.get $wrow) (local.get $wA))))
            (if (local.get $K) (then (v128.store offset=16 (local.get $wrow) (local.get $wB))))
            (local.set $f (i32.load8_u (i32.add (local.get $flp) (local.get $i))))
            (if (i32.and (local.get $f) (i32.const 4))
              (then
                ;; entering a tie group that holds a positive: the totals strictly above it (tp0, fp0)
                (v128.store offset=32 (local.get $st) (local.get $cpA))
                (v128.store offset=48 (local.get $st) (i32x4.sub (local.get $caA) (local.get $cpA)))
                (v128.store offset=160 (local.get $st) (local.get $cpB))
                (v128.store offset=176 (local.get $st) (i32x4.sub (local.get $caB) (local.get $cpB)))))
            (local.set $pm (i32x4.splat (i32.sub (i32.const 0) (i32.and (local.get $f) (i32.const 1)))))
            (local.set $caA (i32x4.add (local.get $caA) (local.get $wA)))
            (local.set $cpA (i32x4.add (local.get $cpA) (v128.and (local.get $wA) (local.get $pm))))
            (local.set $caB (i32x4.add (local.get $caB) (local.get $wB)))
            (local.set $cpB (i32x4.add (local.get $cpB) (v128.and (local.get $wB) (local.get $pm))))
            (if (i32.and (local.get $f) (i32.const 2))
              (then
                ;; closing it: p positives, negatives above it (fp0) and through it (cumAll − cumPos);
                ;; S += p · (2 · fpNext − ng) with 2 · fpNext − ng = fpNext + fp0;
                ;; ap += (p · cumPos) / max(cumAll, 1) — resample-engine.ts's walkTile, term for term
                (local.set $p (i32x4.sub (local.get $cpA) (v128.load offset=32 (local.get $st))))
                (local.set $t (i32x4.add (i32x4.sub (local.get $caA) (local.get $cpA)) (v128.load offset=48 (local.get $st))))
                (local.set $c (i32x4.max_s (local.get $caA) (v128.const i32x4 1 1 1 1)))
                (local.set $pLo (f64x2.convert_low_i32x4_s (local.get $p)))
                (local.set $pHi (f64x2.convert_low_i32x4_s (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $p) (local.get $p))))
                (v128.store offset=64 (local.get $st)
                  (f64x2.add (v128.load offset=64 (local.get $st)) (f64x2.mul (local.get $pLo) (f64x2.convert_low_i32x4_s (local.get $t)))))
                (v128.store offset=80 (local.get $st)
                  (f64x2.add (v128.load offset=80 (local.get $st)) (f64x2.mul (local.get $pHi) (f64x2.convert_low_i32x4_s (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $t) (local.get $t))))))
                (v128.store offset=96 (local.get $st)
                  (f64x2.add (v128.load offset=96 (local.get $st))
                    (f64x2.div (f64x2.mul (local.get $pLo) (f64x2.convert_low_i32x4_s (local.get $cpA))) (f64x2.convert_low_i32x4_s (local.get $c)))))
                (v128.store offset=112 (local.get $st)
                  (f64x2.add (v128.load offset=112 (local.get $st))
                    (f64x2.div (f64x2.mul (local.get $pHi) (f64x2.convert_low_i32x4_s (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $cpA) (local.get $cpA))))
                      (f64x2.convert_low_i32x4_s (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $c) (local.get $c))))))
                (local.set $p (i32x4.sub (local.get $cpB) (v128.load offset=160 (local.get $st))))
                (local.set $t (i32x4.add (i32x4.sub (local.get $caB) (local.get $cpB)) (v128.load offset=176 (local.get $st))))
                (local.set $c (i32x4.max_s (local.get $caB) (v128.const i32x4 1 1 1 1)))
                (local.set $pLo (f64x2.convert_low_i32x4_s (local.get $p)))
                (local.set $pHi (f64x2.convert_low_i32x4_s (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $p) (local.get $p))))
                (v128.store offset=192 (local.get $st)
                  (f64x2.add (v128.load offset=192 (local.get $st)) (f64x2.mul (local.get $pLo) (f64x2.convert_low_i32x4_s (local.get $t)))))
                (v128.store offset=208 (local.get $st)
                  (f64x2.add (v128.load offset=208 (local.get $st)) (f64x2.mul (local.get $pHi) (f64x2.convert_low_i32x4_s (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $t) (local.get $t))))))
                (v128.store offset=224 (local.get $st)
                  (f64x2.add (v128.load offset=224 (local.get $st))
                    (f64x2.div (f64x2.mul (local.get $pLo) (f64x2.convert_low_i32x4_s (local.get $cpB))) (f64x2.convert_low_i32x4_s (local.get $c)))))
                (v128.store offset=240 (local.get $st)
                  (f64x2.add (v128.load offset=240 (local.get $st))
                    (f64x2.div (f64x2.mul (local.get $pHi) (f64x2.convert_low_i32x4_s (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $cpB) (local.get $cpB))))
                      (f64x2.convert_low_i32x4_s (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $c) (local.get $c))))))))
            (br $rows)))
        (v128.store offset=0 (local.get $st) (local.get $caA))
        (v128.store offset=16 (local.get $st) (local.get $cpA))
        (v128.store offset=128 (local.get $st) (local.get $caB))
        (v128.store offset=144 (local.get $st) (local.get $cpB))
        ;; The sum channels, each from 0 over the tile in ascending position, then into the blocks;
        ;; two channels per pass (k, k + 1; the second repeats the first when K is odd, and its sums
        ;; are then dropped), so eight independent additions share each row.
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
            (local.set $wrow (local.get $wsp))
            (local.set $i (i32.const 0))
            (block $sumDone
              (loop $sum
                (br_if $sumDone (i32.ge_u (local.get $i) (local.get $n)))
                (local.set $xv (f64x2.splat (f64.load (i32.add (local.get $o) (i32.shl (local.get $i) (i32.const 3))))))
                (local.set $x2v (f64x2.splat (f64.load (i32.add (local.get $o2) (i32.shl (local.get $i) (i32.const 3))))))
                (local.set $wA (v128.load offset=0 (local.get $wrow)))
                (local.set $wB (v128.load offset=16 (local.get $wrow)))
                (local.set $pLo (f64x2.convert_low_i32x4_s (local.get $wA)))
                (local.set $pHi (f64x2.convert_low_i32x4_s (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $wA) (local.get $wA))))
                (local.set $aLoA (f64x2.add (local.get $aLoA) (f64x2.mul (local.get $pLo) (local.get $xv))))
                (local.set $aHiA (f64x2.add (local.get $aHiA) (f64x2.mul (local.get $pHi) (local.get $xv))))
                (local.set $a2LoA (f64x2.add (local.get $a2LoA) (f64x2.mul (local.get $pLo) (local.get $x2v))))
                (local.set $a2HiA (f64x2.add (local.get $a2HiA) (f64x2.mul (local.get $pHi) (local.get $x2v))))
                (local.set $pLo (f64x2.convert_low_i32x4_s (local.get $wB)))
                (local.set $pHi (f64x2.convert_low_i32x4_s (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $wB) (local.get $wB))))
                (local.set $aLoB (f64x2.add (local.get $aLoB) (f64x2.mul (local.get $pLo) (local.get $xv))))
                (local.set $aHiB (f64x2.add (local.get $aHiB) (f64x2.mul (local.get $pHi) (local.get $xv))))
                (local.set $a2LoB (f64x2.add (local.get $a2LoB) (f64x2.mul (local.get $pLo) (local.get $x2v))))
                (local.set $a2HiB (f64x2.add (local.get $a2HiB) (f64x2.mul (local.get $pHi) (local.get $x2v))))
                (local.set $wrow (i32.add (local.get $wrow) (i32.const 32)))
                (local.set $i (i32.add (local.get $i) (i32.const 1)))
                (br $sum)))
            ;; block b's channel k at accp + 32 (b K + k); this pair is blocks 2 bp and 2 bp + 1
            (local.set $o (i32.add (local.get $accp) (i32.shl (i32.add (i32.mul (i32.shl (local.get $b) (i32.const 1)) (local.get $K)) (local.get $k)) (i32.const 5))))
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
        (local.set $b (i32.add (local.get $b) (i32.const 1)))
        (br $blocks))))
)
