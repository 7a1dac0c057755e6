package io.pagedstream.engine.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import io.pagedstream.core.model.ModelSpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Makes a token's arithmetic independent of the batch it is computed in, measured on this machine.
 *
 * <p>CPU BLAS picks kernels by shape. On the machine this was written on, a product with 1 row (a
 * GEMV), 2-3 rows, or the 1-3 tail rows of a 5-11 row product each sum in another order than
 * products of 4, 8 or 12+ rows; a product contracting over 200-512 positions splits that sum
 * differently for different lengths; softmax rows under one vector wide take a scalar path; and
 * elementwise exp() rounds differently in the SIMD body and the scalar tail of a loop, whose place
 * moves when a large op is split across threads. So a token decoded beside 63 others, alone, or
 * recomputed in a prefill after a preemption would get slightly different logits, and a near tie
 * would flip a greedy token. Therefore:
 *
 * <ul>
 *   <li>dense products are padded with zero rows to a row count measured here to give every row the
 *       same bits as in any larger batch ({@link #padRows});
 *   <li>attention groups are padded to a measured number of query rows ({@link #padQueries});
 *   <li>contexts are padded to a multiple of {@link #CHUNK} positions and the probability-times-V
 *       product is summed chunk by chunk in order, so every product has the same shape and the
 *       padding chunks add exact zeros;
 *   <li>the activation runs on all rows at once where that is measured to give each row the bits it
 *       gets alone (on 2 threads, a split between them falls on a multiple of the vector width when
 *       the intermediate size is a multiple of 32), else on row blocks small enough for one thread
 *       ({@link #activationRows}).
 * </ul>
 *
 * The thresholds differ between CPUs and BLAS builds, which is why they are measured at start-up
 * rather than written down; {@link #verified()} says whether the sampled checks beyond the measured
 * range held as well.
 */
public final class BatchInvariance {

  /** Context positions per attention product. */
  public static final int CHUNK = 128;

  /**
   * PyTorch runs an elementwise op on one thread below this many elements (at::internal::
   * GRAIN_SIZE); above it, threads split the elements at arbitrary offsets, and the SIMD loop's
   * scalar tail, whose exp() rounds differently, then falls on different elements.
   */
  static final int ELEMENTWISE_GRAIN = 32768;

  /**
   * Elements per iteration of PyTorch's vectorized elementwise loop, with margin (two AVX-512
   * vectors are 32 floats). A call over more than {@link #ELEMENTWISE_GRAIN} elements is split
   * evenly between threads; a split that falls inside an iteration sends a row's elements through
   * the scalar tail, whose exp() rounds differently. Only when every possible split is a multiple
   * of this is the activation run on all rows at once: stories260K's 172-wide rows passed the
   * measurement below and still gave other bits in one run out of two or three, so the measurement
   * alone does not decide.
   */
  static final int VECTOR_STEP = 64;

  /** Row and query counts up to this are measured one by one; larger ones are sampled. */
  static final int MEASURED = 64;

  private static final int REFERENCE_ROWS = 192;
  private static final int[] SAMPLED = {65, 72, 96, 100, 127, 128, 129, 150, 191};

  private final boolean[] safeRows;
  private final boolean[] safeQueries;
  private final boolean wholeActivation;
  private final boolean verified;

  private BatchInvariance(
      boolean[] safeRows, boolean[] safeQueries, boolean wholeActivation, boolean verified) {
    this.safeRows = safeRows;
    this.safeQueries = safeQueries;
    this.wholeActivation = wholeActivation;
    this.verified = verified;
  }

  /**
   * Measures the model's product shapes with its own weights, on their device, through the same
   * dense product (and so the same dtype and kernels) the forward pass uses.
   */
  public static BatchInvariance measure(
      Weights w, NDManager manager, DenseProduct product, AttentionProduct attention) {
    ModelSpec spec = w.spec();
    try (NDManager m = manager.newSubManager();
        NDScope scope = new NDScope()) {
      scope.suppressNotUsedWarning();
      boolean[] rows = allTrue();
      boolean verified = true;
      Weights.Layer l0 = w.layers().get(0);
      for (NDArray weight : List.of(l0.qkv(), l0.o(), l0.gateUp(), l0.down(), w.lmHead())) {
        try (NDScope perWeight = new NDScope()) {
          perWeight.suppressNotUsedWarning();
          NDArray x = m.randomNormal(new Shape(REFERENCE_ROWS, product.inputWidth(weight)));
          NDArray ref = product.apply(x, weight, REFERENCE_ROWS);
          for (int r = 1; r <= MEASURED; r++) {
            rows[r] &= sameProduct(product, x, weight, ref, r);
          }
          for (int r : SAMPLED) {
            verified &= sameProduct(product, x, weight, ref, r);
          }
        }
      }
      int g = spec.queriesPerKvHead();
      int kvh = spec.numKvHeads();
      int d = spec.headDim();
      // the attention products as the forward pass runs them, batched per KV head (and sequence):
      // [kvh, g*q, d] x [kvh, d, CHUNK], K a transposed view of gathered rows, and
      // [kvh, g*q, CHUNK] x [kvh, CHUNK, d]
      int refQueries = REFERENCE_ROWS;
      NDArray q = m.randomNormal(new Shape(kvh, (long) g * refQueries, d));
      NDArray keys = attention.transposed(attention.copy(m.randomNormal(new Shape(kvh, CHUNK, d))));
      NDArray probs = m.randomUniform(0, 1, new Shape(kvh, (long) g * refQueries, CHUNK));
      NDArray values = attention.copy(m.randomNormal(new Shape(kvh, CHUNK, d)));
      NDArray refScores = attention.times(q, keys);
      NDArray refOut = attention.times(probs, values);
      boolean[] queries = allTrue();
      for (int n = 1; n <= MEASURED; n++) {
        queries[n] = sameAttention(attention, q, keys, probs, values, refScores, refOut, g * n);
      }
      for (int n : SAMPLED) {
        verified &= sameAttention(attention, q, keys, probs, values, refScores, refOut, g * n);
      }
      verified &= contextsAgree(m, attention, kvh, g * firstSafe(queries, 1), d);
      int inter = spec.intermediateSize();
      boolean wholeActivation =
          inter % (VECTOR_STEP * Math.max(1, JniUtils.getNumThreads())) == 0
              && activationAgrees(m, inter, Integer.MAX_VALUE);
      verified &= wholeActivation || activationAgrees(m, inter, elementwiseRows(inter));
      return new BatchInvariance(rows, queries, wholeActivation, verified);
    }
  }

  /** No padding: the plain arithmetic, for comparisons in tests. */
  public static BatchInvariance none() {
    return new BatchInvariance(allTrue(), allTrue(), true, false);
  }

  /**
   * Whether the product of x's first {@code rows} rows equals those rows of {@code ref}. Each probe
   * frees its own arrays at once: kept to the end of the measurement, the lm-head probes alone (73
   * products of up to 192 x vocabulary floats) held a gigabyte.
   */
  private static boolean sameProduct(
      DenseProduct product, NDArray x, NDArray weight, NDArray ref, int rows) {
    try (NDScope probe = new NDScope()) {
      probe.suppressNotUsedWarning();
      return sameLeading(
          product.apply(x.get(new NDIndex("0:" + rows)), weight, rows), ref, rows, 0);
    }
  }

  private static boolean sameAttention(
      AttentionProduct attention,
      NDArray q,
      NDArray keys,
      NDArray probs,
      NDArray values,
      NDArray refScores,
      NDArray refOut,
      int queryRows) {
    NDIndex first = new NDIndex(":, 0:" + queryRows);
    try (NDScope probe = new NDScope()) {
      probe.suppressNotUsedWarning();
      return sameLeading(attention.times(q.get(first), keys), refScores, queryRows, 1)
          && sameLeading(attention.times(probs.get(first), values), refOut, queryRows, 1);
    }
  }

  /**
   * Checks that scores, softmax and the chunked weighted sum of the valid positions do not change
   * when more masked chunks follow them.
   */
  private static boolean contextsAgree(
      NDManager m, AttentionProduct attention, int kvh, int queryRows, int d) {
    int longest = 4 * CHUNK;
    NDArray q = m.randomNormal(new Shape(kvh, queryRows, d));
    NDArray keys = attention.transposed(attention.copy(m.randomNormal(new Shape(kvh, longest, d))));
    NDArray values = attention.copy(m.randomNormal(new Shape(kvh, longest, d)));
    for (int valid : new int[] {1, 5, 17, CHUNK - 1, CHUNK, CHUNK + 9, 2 * CHUNK + 77}) {
      float[] first = null;
      for (int ctx = roundUp(valid); ctx <= longest; ctx += CHUNK) {
        NDArray scores = attention.times(q, keys.get(new NDIndex(":, :, 0:" + ctx)));
        NDArray mask =
            NDArrays.concat(
                new NDList(
                    m.zeros(new Shape(1, 1, valid)),
                    m.full(new Shape(1, 1, ctx - valid), BatchBuilder.MASKED)),
                -1);
        NDArray probs = scores.add(mask).softmax(-1);
        float[] out =
            weightedSum(attention, probs, values.get(new NDIndex(":, 0:" + ctx)), ctx)
                .toFloatArray();
        if (first == null) {
          first = out;
        } else if (!Arrays.equals(first, out)) {
          return false;
        }
      }
    }
    return true;
  }

  /**
   * Rows of a {@code [rows, width]} strided view that one elementwise call may take: few enough to
   * stay on one thread, where each row is its own SIMD loop with its own tail.
   */
  public static int elementwiseRows(int width) {
    return Math.max(1, (ELEMENTWISE_GRAIN - 1) / width);
  }

  /**
   * Whether the activation gives every row the same bits however many rows one call takes, with the
   * call taking {@code rowsPerCall} rows at most: each row computed alone is the reference.
   */
  private static boolean activationAgrees(NDManager m, int width, int rowsPerCall) {
    int rows = 3 * elementwiseRows(width) + 5;
    NDArray both =
        m.randomNormal(0, 3, new Shape(rows, 2L * width), ai.djl.ndarray.types.DataType.FLOAT32);
    NDList alone = new NDList(rows);
    for (int r = 0; r < rows; r++) {
      alone.add(swiGlu(both.get(new NDIndex(r + ":" + (r + 1))), width, 1));
    }
    NDArray reference = NDArrays.concat(alone, 0);
    for (int take : new int[] {2, 3, 7, 21, 22, 64, 65, rows}) {
      if (take <= rows
          && !swiGlu(both.get(new NDIndex("0:" + take)), width, rowsPerCall)
              .contentEquals(reference.get(new NDIndex("0:" + take)))) {
        return false;
      }
    }
    return true;
  }

  /**
   * silu(gate) * up of {@code [rows, 2 * width]} gate-up rows, at most {@code rowsPerCall} rows per
   * elementwise call.
   */
  static NDArray swiGlu(NDArray gateUp, int width, int rowsPerCall) {
    int rows = (int) gateUp.getShape().get(0);
    if (rows <= rowsPerCall) {
      return swiGluRows(gateUp, width);
    }
    NDList parts = new NDList();
    for (int from = 0; from < rows; from += rowsPerCall) {
      String range = from + ":" + Math.min(rows, from + rowsPerCall);
      parts.add(swiGluRows(gateUp.get(new NDIndex(range)), width));
    }
    return NDArrays.concat(parts, 0);
  }

  private static NDArray swiGluRows(NDArray gateUp, int width) {
    NDArray gate = gateUp.get(new NDIndex(":, 0:" + width));
    NDArray up = gateUp.get(new NDIndex(":, " + width + ":"));
    return ai.djl.nn.Activation.sigmoid(gate).muli(gate).muli(up);
  }

  /**
   * Rows one activation call may take: all of them where measured safe, else one thread's worth.
   */
  public int activationRows(int width) {
    return wholeActivation ? Integer.MAX_VALUE : elementwiseRows(width);
  }

  /**
   * {@code probs x values} over a context of whole chunks, summed one chunk at a time in order, in
   * float32 whatever dtype the products run in.
   */
  static NDArray weightedSum(
      AttentionProduct attention, NDArray probs, NDArray values, int context) {
    NDArray sum = null;
    for (int from = 0; from < context; from += CHUNK) {
      String range = from + ":" + (from + CHUNK);
      NDArray part =
          attention.times(
              probs.get(new NDIndex("..., " + range)),
              values.get(new NDIndex("..., " + range + ", :")));
      sum = sum == null ? part : sum.add(part);
    }
    return sum;
  }

  /** Bit for bit, compared where the arrays are (copies to Java would grow the heap by GBs). */
  private static boolean sameLeading(NDArray a, NDArray ref, int rows, int axis) {
    String prefix = ":, ".repeat(axis);
    return a.contentEquals(ref.get(new NDIndex(prefix + "0:" + rows)));
  }

  private static boolean[] allTrue() {
    boolean[] b = new boolean[MEASURED + 1];
    Arrays.fill(b, true);
    return b;
  }

  private static int firstSafe(boolean[] safe, int from) {
    for (int i = Math.max(from, 1); i < safe.length; i++) {
      if (safe[i]) {
        return i;
      }
    }
    return from;
  }

  static int roundUp(int context) {
    return Math.max(1, (context + CHUNK - 1) / CHUNK) * CHUNK;
  }

  /** Rows to give a dense product of {@code rows} rows. */
  public int padRows(int rows) {
    return rows > MEASURED ? rows : firstSafe(safeRows, rows);
  }

  /** Query rows per sequence for an attention group whose longest chunk has {@code queries}. */
  public int padQueries(int queries) {
    return queries > MEASURED ? queries : firstSafe(safeQueries, queries);
  }

  /** Key positions for an attention group whose longest context is {@code context}. */
  public int padContext(int context) {
    return roundUp(context);
  }

  /** Whether the sampled checks beyond the measured sizes held too. */
  public boolean verified() {
    return verified;
  }

  @Override
  public String toString() {
    List<String> parts = new ArrayList<>();
    parts.add("rows " + ranges(safeRows));
    parts.add("queries " + ranges(safeQueries));
    parts.add("context chunk " + CHUNK);
    parts.add(wholeActivation ? "activation whole" : "activation in row blocks");
    parts.add(verified ? "verified beyond " + MEASURED : "NOT verified beyond " + MEASURED);
    return "BatchInvariance" + parts;
  }

  private static String ranges(boolean[] safe) {
    StringBuilder sb = new StringBuilder();
    for (int i = 1; i < safe.length; i++) {
      if (!safe[i]) {
        continue;
      }
      int j = i;
      while (j + 1 < safe.length && safe[j + 1]) {
        j++;
      }
      sb.append(sb.length() == 0 ? "" : ",").append(i == j ? Integer.toString(i) : i + ".." + j);
      i = j;
    }
    return sb.toString();
  }
}
