package io.pagedstream.engine.scheduler;

import io.pagedstream.core.request.FinishReason;
import io.pagedstream.engine.kv.BlockCopier;
import io.pagedstream.engine.kv.BlockTable;
import io.pagedstream.engine.kv.KvCacheManager;
import io.pagedstream.engine.scheduler.SchedulerConfig.KvLayout;
import io.pagedstream.engine.scheduler.SchedulerConfig.PreemptionMode;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * Continuous batching over a paged KV cache. Each step first continues every running sequence (one
 * decode token, or the next chunk of a prefill), preempting the most recently admitted sequence
 * whenever a running one needs a block and none is left; then, if nothing was preempted, brings
 * back swapped sequences and admits waiting ones while blocks, {@code maxNumSeqs} and the step's
 * token budget allow. A finished sequence frees its blocks at once, so a waiting one can join the
 * very next step.
 */
public final class Scheduler {

  private final SchedulerConfig config;
  private final KvCacheManager kv;
  private final Swapper swapper;
  private final Deque<Sequence> waiting = new ArrayDeque<>();
  private final List<Sequence> running = new ArrayList<>();
  private final Deque<Sequence> swapped = new ArrayDeque<>();
  private long preemptions;
  private long prefixHitTokens;

  public Scheduler(SchedulerConfig config, KvCacheManager kv, Swapper swapper) {
    this(config, kv, swapper, null);
  }

  /** With a copier, requests with n > 1 share their prompt's blocks (copy-on-write). */
  public Scheduler(SchedulerConfig config, KvCacheManager kv, Swapper swapper, BlockCopier copier) {
    if (config.preemption() == PreemptionMode.SWAP && swapper == null) {
      throw new IllegalArgumentException("swap preemption needs a swap space");
    }
    this.config = config;
    this.kv = kv;
    this.swapper = swapper;
    this.copier = copier;
  }

  private final BlockCopier copier;
  private long copiedBlocks;

  /** KV slots a sequence needs at most: every token but the last one gets its K and V stored. */
  public static int maxSlots(int promptLength, int maxTokens) {
    return promptLength + maxTokens - 1;
  }

  /**
   * Blocks a request of this size holds at most: a request needing more than the pool can never
   * run.
   */
  public long blocksNeeded(int promptLength, int maxTokens) {
    int slots =
        config.layout() == KvLayout.CONTIGUOUS
            ? promptLength + maxTokens
            : maxSlots(promptLength, maxTokens);
    return kv.blocksFor(slots);
  }

  public void add(Sequence s) {
    s.setStatus(SequenceStatus.WAITING);
    waiting.addLast(s);
  }

  public SchedulerOutput schedule() {
    int budget = config.maxNumBatchedTokens();
    List<ScheduledChunk> chunks = new ArrayList<>();
    int preempted = 0;
    int swappedOut = 0;
    int swappedIn = 0;

    for (int i = 0; i < running.size() && budget > 0; ) {
      Sequence s = running.get(i);
      int n = Math.min(s.numUncomputed(), budget);
      boolean fits = true;
      while (!kv.canGrow(s.blockTable(), s.numComputed() + n)
          || kv.sharedBlocks(s.blockTable(), s.numComputed(), s.numComputed() + n)
              > kv.pool().available() - kv.blocksToGrow(s.blockTable(), s.numComputed() + n)) {
        Sequence victim = running.remove(running.size() - 1);
        if (preempt(victim)) {
          swappedOut++;
        }
        preempted++;
        if (victim == s) {
          fits = false;
          break;
        }
      }
      if (!fits) {
        break;
      }
      copiedBlocks += kv.copyOnWrite(s.blockTable(), s.numComputed(), s.numComputed() + n, copier);
      kv.grow(s.blockTable(), s.numComputed() + n);
      chunks.add(new ScheduledChunk(s, s.numComputed(), n));
      budget -= n;
      i++;
    }

    while (preempted == 0
        && !swapped.isEmpty()
        && running.size() < config.maxNumSeqs()
        && budget > 0) {
      Sequence s = swapped.peekFirst();
      int n = Math.min(s.numUncomputed(), budget);
      int[] host = s.swappedBlocks();
      int slots = Math.max(s.numComputed() + n, s.reservedSlots());
      if (kv.blocksFor(slots) > kv.pool().available()) {
        break;
      }
      swapped.pollFirst();
      BlockTable table = s.blockTable();
      kv.grow(table, host.length * kv.blockSize());
      swapper.swapIn(host, table.toArray());
      s.setSwappedBlocks(null);
      kv.grow(table, slots);
      kv.registerFull(table, s.tokenBuffer(), s.numComputed());
      s.setStatus(SequenceStatus.RUNNING);
      running.add(s);
      chunks.add(new ScheduledChunk(s, s.numComputed(), n));
      budget -= n;
      swappedIn++;
    }

    while (preempted == 0
        && swapped.isEmpty()
        && !waiting.isEmpty()
        && running.size() < config.maxNumSeqs()
        && budget > 0) {
      Sequence s = waiting.peekFirst();
      if (!running.isEmpty() && running.size() + s.width() > config.maxNumSeqs()) {
        break; // its n samples will run at once: wait for room for all of them
      }
      BlockTable table = s.blockTable();
      int hits = kv.matchPrefix(table, s.tokenBuffer(), s.length());
      int n = Math.min(s.length() - hits, budget);
      int slots =
          config.layout() == KvLayout.CONTIGUOUS
              ? s.promptLength() + s.params().maxTokens()
              : hits + n;
      if (!canAdmit(table, slots)) {
        // not this step: give the cached blocks back (they stay cached) and change nothing else
        kv.free(table);
        break;
      }
      waiting.pollFirst();
      s.setComputed(hits);
      prefixHitTokens += hits;
      kv.grow(table, slots);
      s.setReservedSlots(
          config.layout() == KvLayout.CONTIGUOUS ? table.size() * kv.blockSize() : 0);
      s.setStatus(SequenceStatus.RUNNING);
      running.add(s);
      chunks.add(new ScheduledChunk(s, s.numComputed(), n));
      budget -= n;
    }
    preemptions += preempted;
    return new SchedulerOutput(List.copyOf(chunks), preempted, swappedOut, swappedIn);
  }

  /**
   * Admission leaves a margin of free blocks for the running sequences to grow into, as vLLM's
   * watermark does: admitting into the very last blocks preempts someone a step later, and each
   * preemption costs a recomputation. The margin is one block per running sequence, at most a tenth
   * of the pool, and nothing when no sequence runs (the add-time check guarantees fit).
   */
  private boolean canAdmit(BlockTable table, int slots) {
    int margin = running.isEmpty() ? 0 : Math.min(running.size(), kv.pool().numBlocks() / 10);
    return kv.blocksFor(slots) - table.size() + margin <= kv.pool().available();
  }

  /** Frees a victim's blocks; swaps them to host memory when that mode is on and room allows. */
  private boolean preempt(Sequence victim) {
    BlockTable table = victim.blockTable();
    boolean swap =
        config.preemption() == PreemptionMode.SWAP && table.size() <= swapper.available();
    if (swap) {
      victim.setSwappedBlocks(swapper.swapOut(table.toArray()));
      kv.free(table);
      victim.setStatus(SequenceStatus.SWAPPED);
      swapped.addFirst(victim);
    } else {
      kv.free(table);
      victim.setComputed(0);
      victim.setStatus(SequenceStatus.WAITING);
      waiting.addFirst(victim);
    }
    return swap;
  }

  /**
   * Makes {@code children} samples of {@code parent}, whose prompt is now computed (before its
   * first token is sampled; each sample then appends its own): each shares every block of the
   * parent's table (reference counts) and runs from the next step on. The block a sample writes
   * next is copied first while others share it (see {@link KvCacheManager#copyOnWrite}), so the
   * prompt is computed once for all n samples.
   */
  public void fork(Sequence parent, List<Sequence> children) {
    if (copier == null) {
      throw new IllegalStateException("this scheduler has no block copier: n > 1 needs one");
    }
    if (parent.status() != SequenceStatus.RUNNING || parent.numUncomputed() != 0) {
      throw new IllegalStateException(
          "fork needs a running sequence whose tokens are all computed: " + parent);
    }
    for (Sequence child : children) {
      kv.share(parent.blockTable(), child.blockTable());
      child.setComputed(parent.numComputed());
      child.setStatus(SequenceStatus.RUNNING);
      running.add(child);
    }
    parent.forked();
  }

  /** Blocks copied because a sample wrote into a block shared with its siblings. */
  public long copiedBlocks() {
    return copiedBlocks;
  }

  /** Records that a chunk's tokens now have KV in the cache, making full blocks reusable. */
  public void markComputed(ScheduledChunk c) {
    Sequence s = c.sequence();
    s.setComputed(c.end());
    kv.registerFull(s.blockTable(), s.tokenBuffer(), c.end());
  }

  /**
   * Ends a sequence (finished, failed, or aborted: {@code reason} null) and frees whatever it
   * holds.
   */
  public void finish(Sequence s, FinishReason reason, String error) {
    switch (s.status()) {
      case RUNNING -> running.remove(s);
      case WAITING -> waiting.remove(s);
      case SWAPPED -> {
        swapped.remove(s);
        swapper.discard(s.swappedBlocks());
        s.setSwappedBlocks(null);
      }
      case FINISHED -> {
        return;
      }
    }
    kv.free(s.blockTable());
    s.finish(reason, error);
  }

  public boolean hasUnfinished() {
    return !waiting.isEmpty() || !running.isEmpty() || !swapped.isEmpty();
  }

  public List<Sequence> running() {
    return running;
  }

  public int numWaiting() {
    return waiting.size();
  }

  public int numSwapped() {
    return swapped.size();
  }

  public long preemptions() {
    return preemptions;
  }

  public long prefixHitTokens() {
    return prefixHitTokens;
  }

  public KvCacheManager kvCacheManager() {
    return kv;
  }

  public SchedulerConfig config() {
    return config;
  }
}
