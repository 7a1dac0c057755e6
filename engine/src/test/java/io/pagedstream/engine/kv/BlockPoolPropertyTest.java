package io.pagedstream.engine.kv;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.RepetitionInfo;

/**
 * Drives the block pool, block tables and prefix cache through thousands of random admit / grow /
 * preempt / finish operations under memory pressure (so idle cached blocks get evicted), checking
 * after every operation that no block is leaked, double-freed, or shared while still writable.
 */
class BlockPoolPropertyTest {

  private static final int BLOCK = 4;

  /** A simulated sequence: its tokens, its table, and how many tokens have KV. */
  private static final class Seq {
    final int[] tokens;
    int length;
    int computed;
    final BlockTable table = new BlockTable();

    Seq(int[] tokens, int length) {
      this.tokens = tokens;
      this.length = length;
    }
  }

  @RepeatedTest(10)
  void randomOperationsKeepThePoolConsistent(RepetitionInfo info) {
    Random rnd = new Random(info.getCurrentRepetition());
    BlockPool pool = new BlockPool(40);
    KvCacheManager kv = new KvCacheManager(pool, BLOCK, true);
    List<Seq> running = new ArrayList<>();
    List<Seq> waiting = new ArrayList<>();
    int[][] prefixes = {randomTokens(rnd, 12), randomTokens(rnd, 8), randomTokens(rnd, 16)};
    long hits = 0;
    for (int op = 0; op < 3000; op++) {
      int choice = rnd.nextInt(10);
      if (choice < 3 && waiting.size() < 20) {
        // a new request, often sharing a prefix with earlier ones
        int[] prefix = prefixes[rnd.nextInt(prefixes.length)];
        int len = prefix.length + rnd.nextInt(10) + 1;
        int[] tokens = new int[len + 40];
        System.arraycopy(
            prefix, 0, tokens, 0, rnd.nextBoolean() ? prefix.length : rnd.nextInt(prefix.length));
        for (int i = prefix.length; i < tokens.length; i++) {
          tokens[i] = rnd.nextInt(50);
        }
        waiting.add(new Seq(tokens, len));
      } else if (choice < 5 && !waiting.isEmpty()) {
        // admit: reuse cached prefix blocks, then allocate the rest of the prompt
        Seq s = waiting.get(0);
        int matched = kv.matchPrefix(s.table, s.tokens, s.length);
        assertThat(matched % BLOCK).isZero();
        assertThat(matched).isLessThan(s.length);
        if (kv.canGrow(s.table, s.length)) {
          kv.grow(s.table, s.length);
          s.computed = s.length;
          kv.registerFull(s.table, s.tokens, s.computed);
          hits += matched;
          waiting.remove(0);
          running.add(s);
        } else {
          kv.free(s.table);
        }
      } else if (choice < 8 && !running.isEmpty()) {
        // decode one token: grow by a block at a boundary, preempting the newest when full
        Seq s = running.get(rnd.nextInt(running.size()));
        if (s.length + 1 >= s.tokens.length) {
          continue;
        }
        while (!kv.canGrow(s.table, s.length + 1) && !running.isEmpty()) {
          Seq victim = running.remove(running.size() - 1);
          kv.free(victim.table);
          victim.computed = 0;
          waiting.add(0, victim);
          if (victim == s) {
            break;
          }
        }
        if (running.contains(s)) {
          kv.grow(s.table, s.length + 1);
          s.length++;
          s.computed = s.length;
          kv.registerFull(s.table, s.tokens, s.computed);
        }
      } else if (!running.isEmpty()) {
        Seq s = running.remove(rnd.nextInt(running.size()));
        kv.free(s.table);
      }
      check(pool, running);
    }
    running.forEach(s -> kv.free(s.table));
    waiting.forEach(s -> assertThat(s.table.size()).isZero());
    pool.checkInvariants();
    assertThat(pool.inUse()).isZero();
    assertThat(pool.available()).isEqualTo(pool.numBlocks());
    assertThat(hits).as("prefix cache hits").isPositive();
    assertThat(pool.evictions()).as("evictions of idle cached blocks").isPositive();
  }

  private static void check(BlockPool pool, List<Seq> running) {
    pool.checkInvariants();
    Map<Integer, Integer> refs = new HashMap<>();
    for (Seq s : running) {
      for (int i = 0; i < s.table.size(); i++) {
        refs.merge(s.table.get(i), 1, Integer::sum);
      }
    }
    refs.forEach(
        (block, count) ->
            assertThat(pool.refCount(block)).as("refcount of block " + block).isEqualTo(count));
    assertThat(pool.inUse()).isEqualTo(refs.size());
    for (Seq s : running) {
      // blocks a sequence may still write (from its first not-full block on) must be its alone
      for (int i = s.computed / BLOCK; i < s.table.size(); i++) {
        assertThat(pool.refCount(s.table.get(i))).as("writable block shared").isEqualTo(1);
        assertThat(pool.isCached(s.table.get(i))).as("writable block cached").isFalse();
      }
    }
  }

  private static int[] randomTokens(Random rnd, int n) {
    int[] t = new int[n];
    for (int i = 0; i < n; i++) {
      t[i] = rnd.nextInt(50);
    }
    return t;
  }
}
