#!/usr/bin/env bash
# Runs loom's GRU training/forward benchmark (bench/gru_train.cpp) and the same workload in libtorch
# (bench/torch_gru_train.cpp: nn::GRU and a GRUCell loop), alternating program by program, at the
# sizes S, M, L with 1 and 2 threads, and the fused LSTM against nn::LSTM at 1 thread; times the
# GEMMs of the same GRU step alone (the FLOP floor); and
# rewrites the GRU section of docs/benchmarks.md (the tape section above it is kept).
#
# Usage: bench/run_gru_bench.sh [--rounds N] [--out FILE]
#   BUILD_DIR (default build-bench) is configured in Release and built here.
# One command regenerates the table; the machine's OpenBLAS settings are left as they are.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD_DIR=${BUILD_DIR:-$ROOT/build-bench}
ROUNDS=3
OUT=$ROOT/docs/benchmarks.md
while [[ $# -gt 0 ]]; do
  case $1 in
    --rounds) ROUNDS=$2; shift 2 ;;
    --out) OUT=$2; shift 2 ;;
    *) echo "run_gru_bench.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done

# The side-by-side run needs libtorch (Debian's libtorch-dev, on the same OpenBLAS); install it
# with loom's own dependencies when it is missing, so that one command regenerates the table on a
# fresh machine. Without root or apt the loom columns are still measured.
if ! dpkg-query -W -f='${Status}' libtorch-dev 2>/dev/null | grep -q "install ok installed"; then
  if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
    bash "$ROOT/.ci/deps"
    echo "run_gru_bench.sh: installing libtorch-dev" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends libtorch-dev >&2
  fi
fi

if [[ -f $BUILD_DIR/CMakeCache.txt ]]; then
  cmake -S "$ROOT" -B "$BUILD_DIR" >/dev/null  # an existing build keeps its own settings
else
  cmake -S "$ROOT" -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release -DLOOM_BUILD_TESTS=OFF \
    -DLOOM_BUILD_EXAMPLES=OFF >/dev/null
fi
cmake --build "$BUILD_DIR" -j2 --target gru_train >/dev/null
LOOM=$BUILD_DIR/bench/gru_train
TORCH=$BUILD_DIR/bench/torch_gru_train
if cmake --build "$BUILD_DIR" -j2 --target torch_gru_train >/dev/null 2>&1 && [[ -x $TORCH ]]; then
  HAVE_TORCH=1
else
  HAVE_TORCH=0
  echo "run_gru_bench.sh: torch_gru_train not built (libtorch-dev missing); loom only" >&2
fi

# name: batch seq features units | loom steps | torch steps | warmup
declare -A DIMS=([S]="32 10 8 4" [M]="64 50 32 128" [L]="128 100 64 256")
declare -A LSTEPS=([S]=3000 [M]=100 [L]=30)
declare -A TSTEPS=([S]=400 [M]=40 [L]=12)
declare -A WARM=([S]=200 [M]=5 [L]=3)

RAW=$(mktemp)
LRAW=$(mktemp)  # the LSTM rows, in RAW's format
# The targets are judged on the unrounded floor fractions, which the table awk also writes to FRACS
# (a printed "85%" can be 84.6%).
FRACS=$(mktemp)
trap 'rm -f "$RAW" "$LRAW" "$FRACS"' EXIT
field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$2"; }

run() {  # run <size> <threads> <mode> <key> <command...>; OUTFILE (default RAW) gets the row
  local size=$1 th=$2 mode=$3 key=$4
  shift 4
  local line
  line=$("$@")
  echo "$size $th $mode $key $(field median_ms "$line") $(field peak_rss_mb "$line")" >>"${OUTFILE:-$RAW}"
}

for ((r = 1; r <= ROUNDS; r++)); do
  echo "round $r/$ROUNDS" >&2
  for size in S M L; do
    read -r b s f u <<<"${DIMS[$size]}"
    dims=(--batch "$b" --seq "$s" --features "$f" --units "$u")
    for th in 1 2; do
      for mode in train forward; do
        floor_mode=$([[ $mode == train ]] && echo floor || echo floor_forward)
        lw=(--steps "${LSTEPS[$size]}" --warmup "${WARM[$size]}")
        tw=(--steps "${TSTEPS[$size]}" --warmup "$((WARM[$size] > 20 ? 20 : WARM[$size]))")
        run "$size" "$th" "$mode" loom "$LOOM" "${dims[@]}" --threads "$th" --mode "$mode" "${lw[@]}"
        run "$size" "$th" "$mode" floor "$LOOM" "${dims[@]}" --threads "$th" --mode "$floor_mode" "${lw[@]}"
        if [[ $HAVE_TORCH == 1 ]]; then
          # 1 thread: 1 torch x 1 BLAS. 2 threads: 1 torch x 2 BLAS and 2 torch x 2 BLAS.
          settings=$([[ $th == 1 ]] && echo "1x1" || echo "1x2 2x2")
          for st in $settings; do
            tt=${st%x*}
            bt=${st#*x}
            for v in gru cell; do
              run "$size" "$th" "$mode" "torch_${v}_$st" "$TORCH" "${dims[@]}" --threads "$tt" \
                --blas-threads "$bt" --variant "$v" --mode "$mode" "${tw[@]}"
            done
          done
        fi
      done
    done
  done
  # The fused LSTM (not an issue-8 target): training step at 1 thread against nn::LSTM and an
  # LSTMCell loop.
  for size in S M L; do
    read -r b s f u <<<"${DIMS[$size]}"
    dims=(--batch "$b" --seq "$s" --features "$f" --units "$u")
    lw=(--steps "${LSTEPS[$size]}" --warmup "${WARM[$size]}")
    tw=(--steps "${TSTEPS[$size]}" --warmup "$((WARM[$size] > 20 ? 20 : WARM[$size]))")
    OUTFILE=$LRAW run "$size" 1 train loom "$LOOM" "${dims[@]}" --cell lstm --threads 1 --mode train "${lw[@]}"
    if [[ $HAVE_TORCH == 1 ]]; then
      for v in lstm lstm_cell; do
        OUTFILE=$LRAW run "$size" 1 train "torch_$v" "$TORCH" "${dims[@]}" --threads 1 \
          --blas-threads 1 --variant "$v" --mode train "${tw[@]}"
      done
    fi
  done
done

LSTM_TABLE=$(awk -v have_torch="$HAVE_TORCH" '
  function median(list,   n, a, i, j, t) {
    n = split(list, a, ",")
    for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
    return (n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
  }
  function fmt(v) { return v >= 1 ? sprintf("%.2f", v) : sprintf("%.4f", v) }
  { k = $1 " " $4; ms[k] = (k in ms) ? ms[k] "," $5 : $5; if (!(k in rss) || $6 + 0 > rss[k]) rss[k] = $6 + 0 }
  END {
    split("S M L", sizes, " ")
    for (si = 1; si <= 3; si++) {
      z = sizes[si]; loom = median(ms[z " loom"])
      if (have_torch == 1) {
        a = median(ms[z " torch_lstm"]); c = median(ms[z " torch_lstm_cell"])
        best = a < c ? a : c; bv = a < c ? "nn::LSTM" : "LSTMCell loop"
        trss = rss[z " torch_lstm"] > rss[z " torch_lstm_cell"] ? rss[z " torch_lstm"] : rss[z " torch_lstm_cell"]
        printf "| %s | %s | %s | %s | %s | %.2fx | %.1f | %.1f |\n", z, fmt(loom), fmt(a), fmt(c), bv, best / loom, rss[z " loom"], trss
      } else {
        printf "| %s | %s | - | - | - | - | %.1f | - |\n", z, fmt(loom), rss[z " loom"]
      }
    }
  }' "$LRAW")

# The tape must not grow across steps: RSS after 1000 training steps against after 100 (size M).
read -r b s f u <<<"${DIMS[M]}"
GROW=$("$LOOM" --batch "$b" --seq "$s" --features "$f" --units "$u" --threads 1 --mode train \
  --steps 1000 --warmup 0)
RSS100=$(field rss100_mb "$GROW")
RSS1000=$(field rss_end_mb "$GROW")

CPU=$(lscpu | sed -n 's/^Model name: *//p' | head -1)
NCPU=$(nproc)
CORETYPE=${OPENBLAS_CORETYPE:-"(unset: OpenBLAS autodetects)"}
DATE=$(date -u +%Y-%m-%d)
COMMIT=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
TORCH_VER=$(dpkg-query -W -f='${Version}' libtorch-dev 2>/dev/null || echo "not installed")
OPENBLAS_VER=$(dpkg-query -W -f='${Version}' libopenblas0-pthread 2>/dev/null || echo unknown)

TABLE=$(awk -v have_torch="$HAVE_TORCH" -v fracs="$FRACS" '
  function median(list,   n, a, i, j, t) {
    n = split(list, a, ",")
    for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
    return (n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
  }
  {
    k = $1 " " $2 " " $3 " " $4
    ms[k] = (k in ms) ? ms[k] "," $5 : $5
    if (!(k in rss) || $6 + 0 > rss[k]) rss[k] = $6 + 0
  }
  function fmt(v) { return v >= 1 ? sprintf("%.2f", v) : sprintf("%.4f", v) }
  END {
    split("S M L", sizes, " ")
    for (si = 1; si <= 3; si++) for (th = 1; th <= 2; th++) for (mi = 1; mi <= 2; mi++) {
      mode = mi == 1 ? "train" : "forward"
      p = sizes[si] " " th " " mode " "
      loom = median(ms[p "loom"]); floor = median(ms[p "floor"])
      best = ""; bestkey = ""; gru = ""; cell = ""; trss = ""
      if (have_torch == 1) {
        nset = split(th == 1 ? "1x1" : "1x2 2x2", sets, " ")
        for (q = 1; q <= nset; q++) for (vi = 1; vi <= 2; vi++) {
          v = vi == 1 ? "gru" : "cell"
          key = p "torch_" v "_" sets[q]
          if (!(key in ms)) continue
          m = median(ms[key])
          if (v == "gru" && (gru == "" || m < gru)) gru = m
          if (v == "cell" && (cell == "" || m < cell)) cell = m
          if (best == "" || m < best) { best = m; bestkey = v " " sets[q]; trss = rss[key] }
        }
      }
      printf "| %s | %d | %s | %s | %s | %s | %s | %s | %s | %.1f%% | %.1f | %s |\n", sizes[si], th, mode, \
        fmt(loom), gru == "" ? "-" : fmt(gru), cell == "" ? "-" : fmt(cell), \
        best == "" ? "-" : bestkey, best == "" ? "-" : sprintf("%.2fx", best / loom), \
        fmt(floor), 100 * floor / loom, rss[p "loom"], trss == "" ? "-" : sprintf("%.1f", trss)
      printf "%s %s %s %.6f\n", sizes[si], th, mode, 100 * floor / loom > fracs
    }
  }' "$RAW")

# Whether loom at 2 threads is slower than at 1, per size and mode: a one-sided Mann-Whitney test
# over the rounds' medians (U = pairs where a 2-thread run beat a 1-thread run; p = the chance of a
# U this small if both settings ran equally fast). Where OpenBLAS keeps every GEMM on one thread
# (all of S) both settings do the same work, and a bare comparison of two medians is a coin toss.
THREADS=$(awk '$4 == "loom" { k = $1 " " $3; n[k " " $2]++; v[k " " $2 " " n[k " " $2]] = $5 + 0 }
  function ways(a, b, u,   key, r) {  # arrangements of a + b runs with U <= u
    if (u < 0) return 0
    if (a == 0 || b == 0) return 1
    key = a "," b "," u
    if (key in memo) return memo[key]
    r = ways(a - 1, b, u - b) + ways(a, b - 1, u)
    memo[key] = r
    return r
  }
  function choose(a, b,   r, i) { r = 1; for (i = 1; i <= b; i++) r = r * (a - b + i) / i; return r }
  END {
    split("S M L", z, " ")
    for (i = 1; i <= 3; i++) for (m = 1; m <= 2; m++) {
      mode = m == 1 ? "train" : "forward"; k = z[i] " " mode
      n1 = n[k " 1"]; n2 = n[k " 2"]
      if (n1 == 0 || n2 == 0) continue
      u = 0
      for (a = 1; a <= n2; a++) for (b = 1; b <= n1; b++) {
        if (v[k " 2 " a] < v[k " 1 " b]) u += 1
        else if (v[k " 2 " a] == v[k " 1 " b]) u += 0.5
      }
      p = ways(n2, n1, int(u)) / choose(n1 + n2, n1)
      printf "%s/%s %d %.3f;", z[i], mode, u, p
    }
  }' "$RAW")

# The issue-8 targets, each marked met or missed from the table's own numbers.
TARGETS=$(awk -v rss100="$RSS100" -v rss1000="$RSS1000" -v threads="$THREADS" -v rounds="$ROUNDS" -v fracs="$FRACS" -F' [|] ' '
  BEGIN {
    while ((getline line < fracs) > 0) { split(line, f, " "); exact[f[1] " " f[2] " " f[3]] = f[4] + 0 }
    n = split(threads, kv, ";")
    for (i = 1; i <= n; i++) if (split(kv[i], q, " ") == 3) { mwu[q[1]] = q[2]; mwp[q[1]] = q[3] + 0 }
  }
  /^[|] [SML] [|]/ {
    sub(/^[|] /, ""); sub(/ [|]$/, "")
    k = $1 " " $2 " " $3
    loom[k] = $4 + 0; sp[k] = $8; sub(/x$/, "", sp[k]); sp[k] += 0
    lr[k] = $11 + 0; tr[k] = ($12 == "-") ? -1 : $12 + 0
  }
  function verdict(ok) { return ok ? "met" : "**missed**" }
  function speed(k, want) {
    printf "- %s %s-thread %s: %.2fx libtorch (target >= %.2fx): %s\n", substr(k, 1, 1), substr(k, 3, 1),
      substr(k, 5), sp[k], want, verdict(sp[k] >= want)
  }
  function floor_(k, want) {
    printf "- %s %s-thread %s: %.2f%% of the GEMM floor (target >= %d%%): %s\n", substr(k, 1, 1),
      substr(k, 3, 1), substr(k, 5), exact[k], want, verdict(exact[k] >= want)
  }
  END {
    speed("S 1 train", 20); speed("S 1 forward", 5)
    speed("M 1 train", 1.5); floor_("M 1 train", 85)
    speed("L 1 train", 1.1); floor_("L 1 train", 90)
    speed("M 2 train", 2); speed("L 2 train", 1.15)
    slower = ""; above = ""; diffs = ""
    split("S M L", z, " ")
    for (i = 1; i <= 3; i++) for (m = 1; m <= 2; m++) {
      mode = m == 1 ? "train" : "forward"
      k1 = z[i] " 1 " mode; k2 = z[i] " 2 " mode
      d = loom[k2] / loom[k1] - 1
      c = z[i] "/" mode
      if (d > 0) diffs = diffs sprintf(" %s median %+.1f%% (U=%s of %d pairs, p=%.2f);", c, 100 * d, mwu[c], rounds * rounds, mwp[c])
      if (c in mwp && mwp[c] < 0.05) slower = slower sprintf(" %s by %.1f%% (p=%.3f)", c, 100 * d, mwp[c])
      for (t = 1; t <= 2; t++) { k = z[i] " " t " " mode; if (tr[k] >= 0 && lr[k] > tr[k]) above = above " " k }
    }
    printf "- loom at 2 threads never slower than at 1 (one-sided Mann-Whitney over the rounds, p < 0.05): %s%s\n", verdict(slower == "" && rounds >= 3), slower == "" ? "" : " (slower:" slower ")"
    printf "  - cells whose 2-thread median is above the 1-thread one:%s\n", diffs == "" ? " none" : diffs
    if (rounds < 3) printf "  - fewer than 3 rounds cannot show a difference at p < 0.05: run with --rounds 3 or more\n"
    printf "- peak RSS not above libtorch'"'"'s: %s%s\n", verdict(above == ""), above == "" ? "" : " (above:" above ")"
    g = (rss1000 - rss100) / rss100
    printf "- tape does not grow: RSS after 1000 steps within 5%% of after 100 (%+.1f%%): %s\n", 100 * g, verdict(g <= 0.05 && g >= -0.05)
  }' <<<"$TABLE")

SECTION=$(cat <<EOF
## GRU training step (bench/gru_train.cpp, bench/torch_gru_train.cpp)
Regenerate with \`bench/run_gru_bench.sh\` (builds \`\$BUILD_DIR\`, default \`build-bench\`, in Release;
$ROUNDS alternating rounds; each cell is the median over rounds of each run's median ms per step).

Workload: Keras-default GRU (reset_after, tanh/sigmoid, bias) over x (batch, seq, features) with a
zero initial state. **train** = forward, MSE loss on the final state, backward, Adam (lr 1e-3,
eps 1e-7); **forward** = forward only, no tape. loom uses the fused sequence op
(\`gru_sequence\`); libtorch runs \`nn::GRU\` and a \`nn::GRUCell\` loop. Threads: loom sets BLAS
threads; libtorch at 1 thread is 1 torch x 1 BLAS thread, at 2 threads the better of 1x2 and
2x2 (torch intra-op x OpenBLAS). The GEMM floor is the time of the GEMMs of the same step alone
(same shapes and transpose flags, \`gru_train --mode floor\`); "of floor" = floor / loom.
Sizes (batch, seq, features, units): S = (32, 10, 8, 4), M = (64, 50, 32, 128), L = (128, 100, 64, 256).

| size | threads | mode | loom ms | torch nn::GRU ms | torch GRUCell loop ms | best torch (variant, torch x BLAS threads) | speedup vs best torch | GEMM floor ms | of floor | loom peak RSS MB | torch peak RSS MB |
|---|---|---|---|---|---|---|---|---|---|---|---|
$TABLE

Tape growth (size M, 1 thread, train): RSS after 100 steps $RSS100 MB, after 1000 steps $RSS1000 MB.

Targets of issue 8, read off this table by the script:
$TARGETS

### The fused LSTM (same workload, 1 thread, train; not a target of issue 8)
loom runs \`lstm_sequence\` (\`gru_train --cell lstm\`); libtorch runs \`nn::LSTM\` and a
\`nn::LSTMCell\` loop (\`torch_gru_train --variant lstm|lstm_cell\`), 1 torch x 1 BLAS thread.

| size | loom ms | torch nn::LSTM ms | torch LSTMCell loop ms | best torch | speedup vs best torch | loom peak RSS MB | torch peak RSS MB |
|---|---|---|---|---|---|---|---|
$LSTM_TABLE

Measured on $DATE, commit $COMMIT: $CPU ($NCPU cores), OPENBLAS_CORETYPE=$CORETYPE,
OpenBLAS $OPENBLAS_VER, libtorch $TORCH_VER. The machine may have been shared with other jobs
while this ran; compare the ratios, which alternate runs make robust, rather than absolute times.
EOF
)

mkdir -p "$(dirname "$OUT")"
TMP=$(mktemp "$(dirname "$OUT")/.benchmarks.XXXXXX")
if [[ -f $OUT ]]; then
  # Replace the GRU section in place; every other section (the tape overhead one) is kept.
  SECTION=$SECTION awk '
    BEGIN { section = ENVIRON["SECTION"] }
    /^## GRU training step/ { skip = 1; done = 1; print section; next }
    skip && /^## / { skip = 0; print "" }
    !skip { print }
    END { if (!done) print "\n" section }' "$OUT" >"$TMP"
else
  printf '# Benchmarks\n\n%s\n' "$SECTION" >"$TMP"
fi
mv "$TMP" "$OUT"
echo "wrote $OUT" >&2
