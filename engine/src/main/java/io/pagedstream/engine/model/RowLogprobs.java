package io.pagedstream.engine.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.index.NDIndex;

/**
 * One logits row's raw log-softmax, reduced on the device to what a result reports: the row's
 * log-sum-exp (so any token's log-probability is its logit minus it) and its top alternatives. Only
 * {@code k} values per row cross to Java, never the vocabulary.
 *
 * @param logSumExp {@code log(sum(exp(logits)))} of the float32 row
 * @param topTokenIds the most likely tokens, most likely first (at least one, for greedy rows)
 * @param topLogprobs their log-probabilities
 */
public record RowLogprobs(float logSumExp, int[] topTokenIds, float[] topLogprobs) {

  /**
   * Candidates fetched beyond a row's k. The device's top-k orders equal values as its kernel
   * happens to for the shape at hand, and the shape depends on the other rows of the step; taking a
   * few more and ordering ties by token id gives every row the same alternatives in any batch.
   */
  private static final int TIE_MARGIN = 4;

  /**
   * The log-probabilities of the rows of {@code logits} ({@code [rows, vocab]}, float32) whose
   * {@code topK} entry is >= 0; the others stay null. Each computed row carries {@code max(topK,
   * 1)} alternatives: the first is the greedy choice's own log-probability.
   */
  static RowLogprobs[] of(NDArray logits, int[] topK) {
    RowLogprobs[] out = new RowLogprobs[topK.length];
    int count = 0;
    int k = 1;
    for (int t : topK) {
      if (t >= 0) {
        count++;
        k = Math.max(k, t);
      }
    }
    if (count == 0) {
      return out;
    }
    long[] index = new long[count];
    for (int i = 0, j = 0; i < topK.length; i++) {
      if (topK[i] >= 0) {
        index[j++] = i;
      }
    }
    NDArray picked =
        count == topK.length
            ? logits
            : logits.get(new NDIndex("{}", logits.getManager().create(index)));
    int vocab = (int) logits.getShape().get(1);
    k = Math.min(k + TIE_MARGIN, vocab);
    NDArray logSoftmax = picked.logSoftmax(1);
    // logits - log_softmax is the same log-sum-exp in every column; column 0 gives it
    float[] lse = picked.get(":, 0").sub(logSoftmax.get(":, 0")).toFloatArray();
    NDList top = logSoftmax.topK(k, 1, true, true);
    float[] values = top.get(0).toFloatArray();
    long[] ids = top.get(1).toLongArray();
    for (int j = 0; j < count; j++) {
      int row = (int) index[j];
      int rowK = Math.max(1, Math.min(topK[row], vocab));
      Integer[] order = new Integer[k];
      for (int i = 0; i < k; i++) {
        order[i] = j * k + i;
      }
      // most likely first; equal log-probabilities by token id
      java.util.Arrays.sort(
          order,
          (a, b) ->
              values[a] != values[b]
                  ? Float.compare(values[b], values[a])
                  : Long.compare(ids[a], ids[b]));
      int[] rowIds = new int[rowK];
      float[] rowValues = new float[rowK];
      for (int i = 0; i < rowK; i++) {
        rowIds[i] = (int) ids[order[i]];
        rowValues[i] = values[order[i]];
      }
      out[row] = new RowLogprobs(lse[j], rowIds, rowValues);
    }
    return out;
  }
}
