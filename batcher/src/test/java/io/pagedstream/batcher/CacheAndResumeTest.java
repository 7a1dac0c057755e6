package io.pagedstream.batcher;

import static org.assertj.core.api.Assertions.assertThat;

import io.pagedstream.core.model.ModelFingerprint;
import io.pagedstream.core.request.CacheKey;
import io.pagedstream.core.request.FinishReason;
import io.pagedstream.core.request.SamplingParams;
import io.pagedstream.schemas.Topics;
import io.pagedstream.schemas.avro.Completion;
import io.pagedstream.schemas.avro.GenerationRequest;
import io.pagedstream.schemas.serde.AvroSerdes;
import java.nio.file.Path;
import java.util.List;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Re-submitted requests are skipped; deterministic ones already answered come from the cache. */
class CacheAndResumeTest {

  @TempDir Path stateDir;
  private BatcherTestDriver batcher;
  private TestInputTopic<String, Completion> cache;

  @BeforeEach
  void start() {
    batcher = new BatcherTestDriver(BatcherTopologyTest.CONFIG, stateDir);
    cache =
        batcher.driver.createInputTopic(
            Topics.RESPONSE_CACHE,
            new StringSerializer(),
            AvroSerdes.serde(Completion.class, batcher.testRegistry()).serializer());
  }

  @AfterEach
  void stop() {
    batcher.close();
  }

  @Test
  void aRequestSubmittedAgainInTheSameJobIsSkipped() {
    batcher.send(Requests.ids("r1", 8, 8));
    batcher.send(Requests.ids("r1", 8, 8));
    batcher.send(Requests.ids("r2", 8, 0));
    batcher.send(Requests.ids("r2", 8, 0));
    batcher.flushByAge();
    assertThat(batcher.readBatches())
        .flatExtracting(b -> b.getRequests())
        .extracting(r -> r.getId())
        .containsExactly("r1");
    // the invalid one was answered once, its re-submission not again
    assertThat(batcher.readCompletions()).extracting(TestRecord::key).containsExactly("r2");
    // the same id in another job is another request
    batcher.send(GenerationRequest.newBuilder(Requests.ids("r1", 8, 8)).setJobId("job-2").build());
    batcher.flushByAge();
    assertThat(batcher.readBatches()).hasSize(1);
  }

  @Test
  void aDeterministicRequestAlreadyAnsweredComesFromTheCache() {
    GenerationRequest greedy =
        GenerationRequest.newBuilder(Requests.ids("new", 8, 8)).setTemperature(0).build();
    GenerationRequest sampled =
        GenerationRequest.newBuilder(Requests.ids("sampled", 8, 8)).setTemperature(0.7).build();
    int[] prompt = greedy.getPromptTokenIds().stream().mapToInt(Integer::intValue).toArray();
    String key =
        CacheKey.of(
                ModelFingerprint.of(BatcherTopologyTest.MODEL), prompt, SamplingParams.greedy(8))
            .orElseThrow();
    Completion earlier =
        Completion.newBuilder()
            .setId("old")
            .setJobId("job-0")
            .setTokenIds(List.of(4, 5, 6, 7, 8, 9, 10, 11))
            .setText("earlier")
            .setFinishReason(FinishReason.LENGTH.wire())
            .setPromptTokens(8)
            .setOutputTokens(8)
            .setBatchId("b")
            .setProcessor("p")
            .build();
    cache.pipeInput(key, earlier);
    batcher.send(greedy);
    batcher.send(sampled);
    batcher.flushByAge();
    List<TestRecord<String, Completion>> answered = batcher.readCompletions();
    assertThat(answered).hasSize(1);
    Completion c = answered.get(0).value();
    assertThat(c.getId()).isEqualTo("new");
    assertThat(c.getJobId()).isEqualTo("job-1");
    assertThat(c.getCached()).isTrue();
    assertThat(c.getTokenIds()).containsExactly(4, 5, 6, 7, 8, 9, 10, 11);
    assertThat(c.getText()).isEqualTo("earlier");
    // a sampled request without a seed is never answered from the cache
    assertThat(batcher.readBatches())
        .flatExtracting(b -> b.getRequests())
        .extracting(r -> r.getId())
        .containsExactly("sampled");
  }
}
