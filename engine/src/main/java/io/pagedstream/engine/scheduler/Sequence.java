package io.pagedstream.engine.scheduler;

import io.pagedstream.core.request.FinishReason;
import io.pagedstream.core.request.SamplingParams;
import io.pagedstream.engine.kv.BlockTable;
import java.util.Arrays;

/**
 * One request's generation state: its tokens (prompt then output), its block table and how many of
 * its tokens already have KV in the cache. Owned and mutated by the scheduler and engine only.
 */
public final class Sequence {

  private final String requestId;
  private final long arrivalOrder;
  private final int promptLength;
  private final SamplingParams params;
  private final long seed;
  private final BlockTable blockTable = new BlockTable();
  private int[] tokens;
  private int length;
  private int numComputed;
  private int maxComputed;
  private SequenceStatus status = SequenceStatus.WAITING;
  private int[] swappedBlocks;
  private int reservedSlots;
  private FinishReason finishReason;
  private String error;
  private final long arrivalNanos = System.nanoTime();
  private long firstTokenNanos;
  private long finishNanos;

  public Sequence(
      String requestId, long arrivalOrder, int[] prompt, SamplingParams params, long seed) {
    this(requestId, arrivalOrder, prompt, params, seed, 0);
  }

  /**
   * Sample {@code sampleIndex} of a request. Sample 0 of a request with {@code n > 1} is the one
   * that prefills the prompt; the others are made by {@link #fork} once it has.
   */
  public Sequence(
      String requestId,
      long arrivalOrder,
      int[] prompt,
      SamplingParams params,
      long seed,
      int sampleIndex) {
    this.requestId = requestId;
    this.arrivalOrder = arrivalOrder;
    this.promptLength = prompt.length;
    this.params = params;
    this.seed = seed;
    this.sampleIndex = sampleIndex;
    this.forkPending = sampleIndex == 0 && params.n() > 1;
    this.tokens = Arrays.copyOf(prompt, prompt.length + Math.min(params.maxTokens(), 64));
    this.length = prompt.length;
  }

  private final int sampleIndex;
  private boolean forkPending;

  /** Which of the request's n samples this is. */
  public int sampleIndex() {
    return sampleIndex;
  }

  /**
   * True for sample 0 of an n > 1 request until the other samples are forked off it (when its
   * prompt is computed): the scheduler admits it only where all n fit.
   */
  public boolean forkPending() {
    return forkPending;
  }

  /** How many running slots this sequence stands for: n before its fork, else 1. */
  public int width() {
    return forkPending ? params.n() : 1;
  }

  /**
   * A new sample of the same request with this sequence's tokens so far (the prompt; it has
   * produced no output yet) and its own seed. Its blocks come from {@link Scheduler#fork}.
   */
  public Sequence fork(int index, long sampleSeed) {
    if (!forkPending || outputLength() != 0) {
      throw new IllegalStateException("only an unforked sample 0 with no output forks: " + this);
    }
    return new Sequence(
        requestId, arrivalOrder, Arrays.copyOf(tokens, length), params, sampleSeed, index);
  }

  void forked() {
    forkPending = false;
  }

  public String requestId() {
    return requestId;
  }

  public long arrivalOrder() {
    return arrivalOrder;
  }

  public SamplingParams params() {
    return params;
  }

  public long seed() {
    return seed;
  }

  public BlockTable blockTable() {
    return blockTable;
  }

  public SequenceStatus status() {
    return status;
  }

  void setStatus(SequenceStatus s) {
    status = s;
  }

  /** Prompt and output tokens so far; only the first {@link #length()} entries are valid. */
  public int[] tokenBuffer() {
    return tokens;
  }

  public int length() {
    return length;
  }

  public int promptLength() {
    return promptLength;
  }

  public int outputLength() {
    return length - promptLength;
  }

  public int[] promptTokens() {
    return Arrays.copyOf(tokens, promptLength);
  }

  public int[] outputTokens() {
    return Arrays.copyOfRange(tokens, promptLength, length);
  }

  public int tokenAt(int i) {
    return tokens[i];
  }

  /** Tokens whose K and V are in the cache. */
  public int numComputed() {
    return numComputed;
  }

  /** Tokens that still need a forward pass before the next token can be sampled. */
  public int numUncomputed() {
    return length - numComputed;
  }

  /** The most tokens ever computed, so that work redone after a preemption can be counted. */
  public int maxComputed() {
    return maxComputed;
  }

  void setComputed(int n) {
    numComputed = n;
    maxComputed = Math.max(maxComputed, n);
  }

  public void appendToken(int token) {
    if (length == tokens.length) {
      tokens =
          Arrays.copyOf(tokens, Math.min(tokens.length * 2, promptLength + params.maxTokens()));
    }
    tokens[length++] = token;
    if (firstTokenNanos == 0) {
      firstTokenNanos = System.nanoTime();
    }
  }

  int[] swappedBlocks() {
    return swappedBlocks;
  }

  void setSwappedBlocks(int[] blocks) {
    swappedBlocks = blocks;
  }

  /** Slots reserved up front in the contiguous layout; 0 in the paged layout. */
  int reservedSlots() {
    return reservedSlots;
  }

  void setReservedSlots(int slots) {
    reservedSlots = slots;
  }

  /** Why it finished; null while it runs and when it was aborted. */
  public FinishReason finishReason() {
    return finishReason;
  }

  public String error() {
    return error;
  }

  void finish(FinishReason reason, String message) {
    finishReason = reason;
    error = message;
    status = SequenceStatus.FINISHED;
    finishNanos = System.nanoTime();
  }

  public long arrivalNanos() {
    return arrivalNanos;
  }

  public long firstTokenNanos() {
    return firstTokenNanos;
  }

  public long finishNanos() {
    return finishNanos;
  }

  @Override
  public String toString() {
    return requestId
        + "["
        + status
        + " len="
        + length
        + " computed="
        + numComputed
        + " blocks="
        + blockTable
        + "]";
  }
}
