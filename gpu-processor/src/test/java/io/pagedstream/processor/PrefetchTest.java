package io.pagedstream.processor;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PrefetchTest {

  private final Prefetch prefetch = new Prefetch(100, 8);

  @Test
  void takesMoreWhileLessThanAPoolsWorthWaits() {
    assertThat(prefetch.wantsMore(0, 0, 0)).as("an empty engine").isTrue();
    // 8 running of 10 blocks each and 4 waiting: 40 blocks wait, under the pool's 100
    assertThat(prefetch.wantsMore(4, 12, 120)).isTrue();
  }

  @Test
  void stopsAtASecondPoolOfSequencesOrBlocks() {
    assertThat(prefetch.wantsMore(8, 16, 160)).as("max-num-seqs waiting").isFalse();
    // 4 waiting of 30 blocks each: 120 blocks, more than a pool
    assertThat(prefetch.wantsMore(4, 6, 180)).isFalse();
  }
}
