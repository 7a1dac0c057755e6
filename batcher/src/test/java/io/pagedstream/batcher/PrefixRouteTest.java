package io.pagedstream.batcher;

import static org.assertj.core.api.Assertions.assertThat;

import io.pagedstream.schemas.avro.BatchedRequest;
import io.pagedstream.schemas.avro.GenerationBatch;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class PrefixRouteTest {

  private static List<Integer> tokens(int seed, int n) {
    Random r = new Random(seed);
    return IntStream.range(0, n).mapToObj(i -> r.nextInt(1000)).toList();
  }

  private static List<Integer> concat(List<Integer> a, List<Integer> b) {
    List<Integer> out = new ArrayList<>(a);
    out.addAll(b);
    return out;
  }

  @Test
  void promptsSharingTheirFirstFullBlocksShareARoute() {
    PrefixRoute routing = new PrefixRoute(2, 16, 4);
    List<Integer> prefix = tokens(1, 40);
    int route = routing.route(concat(prefix, tokens(2, 5)));

    assertThat(route).isBetween(0, 3);
    assertThat(routing.route(concat(prefix, tokens(3, 30)))).isEqualTo(route);
    // only the first two blocks count
    assertThat(routing.key(prefix.subList(0, 33)))
        .isEqualTo(routing.key(concat(prefix.subList(0, 32), tokens(4, 9))));
  }

  @Test
  void promptsWithoutABlockBeforeTheirLastTokenArePlain() {
    PrefixRoute routing = new PrefixRoute(1, 16, 4);
    // a 16-token prompt's only block ends at its last token, which the engine always computes
    assertThat(routing.route(tokens(1, 16))).isEqualTo(PrefixRoute.NONE);
    assertThat(routing.route(tokens(1, 17))).isNotEqualTo(PrefixRoute.NONE);
    assertThat(PrefixRoute.off(16).route(tokens(1, 300))).isEqualTo(PrefixRoute.NONE);
  }

  @Test
  void distinctPrefixesSpreadOverEveryRoute() {
    PrefixRoute routing = new PrefixRoute(1, 16, 4);
    int[] perRoute = new int[4];
    for (int i = 0; i < 400; i++) {
      perRoute[routing.route(tokens(100 + i, 20))]++;
    }
    for (int n : perRoute) {
      assertThat(n).isBetween(70, 130);
    }
  }

  @Test
  void batchesGoToTheirPrefixPartitionAndPlainBatchesSpread() {
    PrefixRoute routing = new PrefixRoute(1, 16, 4);
    BatchPartitioner partitioner = new BatchPartitioner(routing);
    List<Integer> prompt = concat(tokens(7, 16), tokens(8, 4));
    GenerationBatch prefixed = batch("b-1", List.of(tokens(9, 3), prompt));

    assertThat(partitioner.partitions("llm.batches", "b-1", prefixed, 4))
        .isEqualTo(Optional.of(Set.of(routing.route(prompt))));
    Set<Integer> plainPartitions = new HashSet<>();
    for (int i = 0; i < 40; i++) {
      plainPartitions.addAll(
          partitioner
              .partitions("llm.batches", "b-" + i, batch("b-" + i, List.of(tokens(i, 3))), 4)
              .orElseThrow());
    }
    assertThat(plainPartitions).containsExactlyInAnyOrder(0, 1, 2, 3);
  }

  private static GenerationBatch batch(String id, List<List<Integer>> prompts) {
    List<BatchedRequest> requests = new ArrayList<>();
    for (int i = 0; i < prompts.size(); i++) {
      requests.add(
          BatchedRequest.newBuilder()
              .setId(id + "/" + i)
              .setPromptTokenIds(prompts.get(i))
              .setMaxTokens(4)
              .setEstimatedKvBlocks(2)
              .build());
    }
    return GenerationBatch.newBuilder()
        .setBatchId(id)
        .setCreatedAtMs(0)
        .setEstimatedKvBlocks(2 * prompts.size())
        .setRequests(requests)
        .build();
  }
}
