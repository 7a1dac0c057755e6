package io.pagedstream.batcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;

class BatchPackerTest {

  @Test
  void requestJoinsTheBatchItFitsBestNotTheFirst() {
    BatchPacker packer = new BatchPacker(8, 10, 4);
    OpenBatch older = new OpenBatch("a", 0, 3, 1);
    OpenBatch tighter = new OpenBatch("b", 5, 6, 1);

    // both have room for 2 blocks; First Fit would pick the older "a", Best Fit the fuller "b"
    assertThat(packer.place(List.of(older, tighter), 2)).isEqualTo(new Placement.Join("b"));
    // only "a" has room for 4
    assertThat(packer.place(List.of(older, tighter), 4)).isEqualTo(new Placement.Join("a"));
  }

  @Test
  void equallyGoodBatchesGoToTheOldest() {
    BatchPacker packer = new BatchPacker(8, 10, 4);
    List<OpenBatch> open =
        List.of(new OpenBatch("young", 50, 4, 1), new OpenBatch("old", 10, 4, 1));

    assertThat(packer.place(open, 2)).isEqualTo(new Placement.Join("old"));
  }

  @Test
  void aBatchAtTheRequestLimitTakesNoMore() {
    BatchPacker packer = new BatchPacker(100, 2, 4);
    OpenBatch atLimit = new OpenBatch("a", 0, 2, 2);

    assertThat(packer.place(List.of(atLimit), 1))
        .isEqualTo(new Placement.OpenNew(Optional.empty()));
    assertThat(packer.isFull(atLimit)).isTrue();
    assertThat(packer.isFull(new OpenBatch("b", 0, 99, 1))).isFalse();
    assertThat(packer.isFull(new OpenBatch("c", 0, 100, 1))).isTrue();
  }

  @Test
  void whenNothingFitsAndNoBatchMayOpenTheFullestIsClosed() {
    BatchPacker packer = new BatchPacker(10, 4, 2);
    OpenBatch halfByBlocks = new OpenBatch("blocks", 0, 5, 1);
    OpenBatch threeQuartersByRequests = new OpenBatch("requests", 1, 2, 3);

    Placement placement = packer.place(List.of(halfByBlocks, threeQuartersByRequests), 9);

    assertThat(placement).isEqualTo(new Placement.OpenNew(Optional.of("requests")));
    // below the limit a new batch opens and nothing closes
    assertThat(packer.place(List.of(halfByBlocks), 9))
        .isEqualTo(new Placement.OpenNew(Optional.empty()));
  }

  @Test
  void requestsLargerThanTheBudgetAreRefused() {
    BatchPacker packer = new BatchPacker(8, 10, 4);

    assertThatThrownBy(() -> packer.place(List.of(), 9))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("a request of 9 KV blocks cannot go in a batch of 8");
    assertThat(packer.place(List.of(), 8)).isEqualTo(new Placement.OpenNew(Optional.empty()));
  }

  @Test
  void whileRequestsKeepArrivingBatchesWaitTenIntervalsToFill() {
    BatchPacker packer = new BatchPacker(8, 10, 4);
    List<OpenBatch> open =
        List.of(new OpenBatch("old", 0, 1, 1), new OpenBatch("young", 800, 1, 1));
    Duration interval = Duration.ofMillis(200);

    // the last request came 50 ms ago: the input is busy, only a batch ten intervals old goes
    assertThat(packer.expired(open, 1000, interval, 950)).isEmpty();
    assertThat(packer.expired(open, 2000, interval, 1950))
        .extracting(OpenBatch::batchId)
        .containsExactly("old");
    // idle for an interval: every batch open an interval goes
    assertThat(packer.expired(open, 1000, interval, 800))
        .extracting(OpenBatch::batchId)
        .containsExactly("old", "young");
  }

  @Test
  void aPrefixedRequestJoinsOnlyItsRouteOrAnUnroutedBatch() {
    BatchPacker packer = new BatchPacker(100, 10, 3);
    OpenBatch route1 = new OpenBatch("r1", 0, 90, 1, 1);
    OpenBatch route2 = new OpenBatch("r2", 0, 10, 1, 2);
    OpenBatch plain = new OpenBatch("plain", 0, 50, 1, PrefixRoute.NONE);

    assertThat(packer.place(List.of(route1, route2, plain), 5, 2))
        .isEqualTo(new Placement.Join("r2"));
    // route 1's batch fits best, but route 3 may not join it: the plain batch takes it
    assertThat(packer.place(List.of(route1, plain), 5, 3)).isEqualTo(new Placement.Join("plain"));
    // a plain request joins whichever fits best
    assertThat(packer.place(List.of(route1, route2, plain), 5, PrefixRoute.NONE))
        .isEqualTo(new Placement.Join("r1"));
    // no batch of its route and none free: the fullest goes to make room
    assertThat(packer.place(List.of(route1, route2, new OpenBatch("r0", 0, 5, 1, 0)), 5, 3))
        .isEqualTo(new Placement.OpenNew(Optional.of("r1")));
  }

  @Test
  void batchesExpireByAgeOldestFirst() {
    BatchPacker packer = new BatchPacker(8, 10, 4);
    List<OpenBatch> open =
        List.of(
            new OpenBatch("new", 900, 1, 1),
            new OpenBatch("b", 700, 1, 1),
            new OpenBatch("a", 500, 1, 1));

    assertThat(packer.expired(open, 1000, Duration.ofMillis(300)))
        .extracting(OpenBatch::batchId)
        .containsExactly("a", "b");
    assertThat(packer.expired(open, 1000, Duration.ofMillis(501))).isEmpty();
  }

  /**
   * Packs random streams by applying the packer's decisions the way the processor does, and checks
   * what must hold for any input: every request in exactly one batch, no batch over the budget or
   * the request limit, never more batches open than allowed, and a batch closed for room only when
   * the request really fitted none.
   */
  @Test
  void randomStreamsKeepEveryInvariant() {
    Random random = new Random(42);
    for (int round = 0; round < 200; round++) {
      int budget = 1 + random.nextInt(64);
      int maxRequests = 1 + random.nextInt(16);
      int maxOpen = 1 + random.nextInt(5);
      BatchPacker packer = new BatchPacker(budget, maxRequests, maxOpen);
      Map<String, List<Integer>> open = new LinkedHashMap<>();
      Map<String, OpenBatch> loads = new HashMap<>();
      List<List<Integer>> sent = new ArrayList<>();
      int requests = 1 + random.nextInt(300);
      long totalBlocks = 0;
      for (int i = 0; i < requests; i++) {
        int blocks = 1 + random.nextInt(budget);
        totalBlocks += blocks;
        Placement placement = packer.place(loads.values(), blocks);
        OpenBatch target;
        if (placement instanceof Placement.Join join) {
          target = loads.get(join.batchId());
          assertThat(target.blocks() + blocks).isLessThanOrEqualTo(budget);
        } else {
          Optional<String> closed = ((Placement.OpenNew) placement).closeFirst();
          if (closed.isPresent()) {
            assertThat(loads).hasSize(maxOpen);
            assertThat(loads.values())
                .allSatisfy(
                    b ->
                        assertThat(b.blocks() + blocks > budget || b.requests() >= maxRequests)
                            .isTrue());
            sent.add(open.remove(closed.get()));
            loads.remove(closed.get());
          } else {
            assertThat(loads.size()).isLessThan(maxOpen);
          }
          target = OpenBatch.empty("r" + round + "-" + i, i);
          open.put(target.batchId(), new ArrayList<>());
        }
        OpenBatch grown = target.plus(blocks);
        open.get(grown.batchId()).add(blocks);
        loads.put(grown.batchId(), grown);
        if (packer.isFull(grown)) {
          sent.add(open.remove(grown.batchId()));
          loads.remove(grown.batchId());
        }
        assertThat(loads.size()).isLessThanOrEqualTo(maxOpen);
      }
      sent.addAll(open.values()); // what the flush by age would send

      assertThat(sent)
          .allSatisfy(
              batch -> {
                assertThat(batch).isNotEmpty().hasSizeLessThanOrEqualTo(maxRequests);
                assertThat(batch.stream().mapToInt(Integer::intValue).sum())
                    .isLessThanOrEqualTo(budget);
              });
      assertThat(sent.stream().mapToInt(List::size).sum()).isEqualTo(requests);
      assertThat(sent.stream().flatMap(List::stream).mapToLong(Integer::longValue).sum())
          .isEqualTo(totalBlocks);
    }
  }
}
