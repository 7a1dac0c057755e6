package io.pagedstream.engine.model;

import io.pagedstream.engine.kv.BlockTable;
import io.pagedstream.engine.scheduler.ScheduledChunk;
import io.pagedstream.engine.scheduler.Sequence;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns a step's scheduled chunks into a {@link ForwardBatch}: tokens packed without padding for
 * the dense layers, and attention split into a decode group (one query each) and a prefill group,
 * so a long prompt's padding is never paid by the many single-token decodes beside it.
 */
public final class BatchBuilder {

  /** Large enough that exp() underflows to exactly 0, finite so padded rows never give NaN. */
  static final float MASKED = -1e9f;

  private final int blockSize;
  private final BatchInvariance invariance;

  /**
   * Attention groups are padded as {@code invariance} says, so no token's result depends on its
   * batch.
   */
  public BatchBuilder(int blockSize, BatchInvariance invariance) {
    this.blockSize = blockSize;
    this.invariance = invariance;
  }

  public ForwardBatch build(List<ScheduledChunk> chunks) {
    int total = 0;
    for (ScheduledChunk c : chunks) {
      total += c.length();
    }
    long[] tokens = new long[total];
    long[] positions = new long[total];
    long[] slots = new long[total];
    int[] firstRow = new int[chunks.size()];
    List<Long> sample = new ArrayList<>();
    int row = 0;
    for (int i = 0; i < chunks.size(); i++) {
      ScheduledChunk c = chunks.get(i);
      Sequence s = c.sequence();
      BlockTable table = s.blockTable();
      firstRow[i] = row;
      for (int p = c.start(); p < c.end(); p++, row++) {
        tokens[row] = s.tokenAt(p);
        positions[row] = p;
        slots[row] = table.slot(p, blockSize);
      }
      if (c.samples()) {
        sample.add((long) row - 1);
      }
    }
    List<Integer> decode = new ArrayList<>();
    List<Integer> prefill = new ArrayList<>();
    for (int i = 0; i < chunks.size(); i++) {
      (chunks.get(i).length() == 1 ? decode : prefill).add(i);
    }
    long[] unpack = new long[total];
    List<AttentionGroup> groups = new ArrayList<>();
    int offset = 0;
    for (List<Integer> members : List.of(decode, prefill)) {
      if (members.isEmpty()) {
        continue;
      }
      AttentionGroup g = group(chunks, members, firstRow, unpack, offset);
      groups.add(g);
      offset += g.size() * g.queries();
    }
    return new ForwardBatch(
        tokens,
        positions,
        slots,
        groups,
        unpack,
        sample.stream().mapToLong(Long::longValue).toArray());
  }

  private AttentionGroup group(
      List<ScheduledChunk> chunks,
      List<Integer> members,
      int[] firstRow,
      long[] unpack,
      int offset) {
    int size = members.size();
    int queries = 0;
    int context = 0;
    for (int i : members) {
      queries = Math.max(queries, chunks.get(i).length());
      context = Math.max(context, chunks.get(i).end());
    }
    queries = invariance.padQueries(queries);
    context = invariance.padContext(context);
    long[] queryRows = new long[size * queries];
    long[] contextSlots = new long[size * context];
    float[] mask = new float[size * queries * context];
    java.util.Arrays.fill(mask, MASKED);
    for (int b = 0; b < size; b++) {
      ScheduledChunk c = chunks.get(members.get(b));
      BlockTable table = c.sequence().blockTable();
      for (int q = 0; q < c.length(); q++) {
        queryRows[b * queries + q] = firstRow[members.get(b)] + q;
        unpack[firstRow[members.get(b)] + q] = offset + (long) b * queries + q;
        int visible = c.start() + q + 1;
        java.util.Arrays.fill(
            mask, (b * queries + q) * context, (b * queries + q) * context + visible, 0f);
      }
      for (int p = 0; p < c.end(); p++) {
        contextSlots[b * context + p] = table.slot(p, blockSize);
      }
    }
    return new AttentionGroup(size, queries, context, queryRows, contextSlots, mask);
  }
}
