package io.pagedstream.engine.model;

/**
 * Sequences whose attention runs as one padded batch: {@code size} sequences, at most {@code
 * queries} new tokens and {@code context} cached positions each.
 *
 * @param queryRows for each (sequence, query) pair, the packed row of that query (0 for padding)
 * @param contextSlots for each (sequence, position) pair, the cache slot of that position's K and
 *     V, looked up through the sequence's block table (0 for padding)
 * @param maskBias additive mask {@code [size, queries, context]}: 0 where a query may attend a
 *     position (causal, within the sequence), a large negative number elsewhere
 */
public record AttentionGroup(
    int size, int queries, int context, long[] queryRows, long[] contextSlots, float[] maskBias) {}
