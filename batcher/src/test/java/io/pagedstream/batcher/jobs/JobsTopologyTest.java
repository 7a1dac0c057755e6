package io.pagedstream.batcher.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import io.pagedstream.core.request.FinishReason;
import io.pagedstream.schemas.Topics;
import io.pagedstream.schemas.avro.Completion;
import io.pagedstream.schemas.avro.GenerationRequest;
import io.pagedstream.schemas.avro.JobStatus;
import io.pagedstream.schemas.registry.SchemaRegistries;
import io.pagedstream.schemas.serde.AvroSerdes;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TopologyTestDriver;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Job figures from requests and completions, each (job, id) counted once. */
class JobsTopologyTest {

  @TempDir Path stateDir;

  private static GenerationRequest request(String job, String id) {
    return GenerationRequest.newBuilder().setId(id).setJobId(job).setPrompt("hi").build();
  }

  private static Completion completion(
      String job, String id, String reason, boolean cached, int tokens) {
    return Completion.newBuilder()
        .setId(id)
        .setJobId(job)
        .setFinishReason(reason)
        .setCached(cached)
        .setPromptTokens(3)
        .setOutputTokens(tokens)
        .setCompletedAtMs(5000)
        .build();
  }

  @Test
  void countsEachRequestOnceAndResubmissionsApart() {
    String scope = "jobs-test-" + UUID.randomUUID();
    Map<String, Object> registry = Map.of("schema.registry.url", "mock://" + scope);
    Properties p = new Properties();
    p.putAll(registry);
    p.put(StreamsConfig.APPLICATION_ID_CONFIG, "jobs-test");
    p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
    p.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
    p.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, 0);
    try (TopologyTestDriver driver = new TopologyTestDriver(JobsTopology.build(registry), p)) {
      var requests =
          driver.createInputTopic(
              Topics.REQUESTS,
              new StringSerializer(),
              AvroSerdes.serde(GenerationRequest.class, registry).serializer());
      var completions =
          driver.createInputTopic(
              Topics.COMPLETIONS,
              new StringSerializer(),
              AvroSerdes.serde(Completion.class, registry).serializer());
      var jobs =
          driver.createOutputTopic(
              Topics.JOBS,
              new StringDeserializer(),
              AvroSerdes.serde(JobStatus.class, registry).deserializer());
      for (String id : List.of("a", "b", "c")) {
        requests.pipeInput(id, request("job-1", id), 1000);
      }
      requests.pipeInput("a", request("job-1", "a"), 2000);
      requests.pipeInput("a", request("job-2", "a"), 2500);
      completions.pipeInput("a", completion("job-1", "a", FinishReason.LENGTH.wire(), false, 10));
      completions.pipeInput("b", completion("job-1", "b", FinishReason.ERROR.wire(), false, 0));
      completions.pipeInput("c", completion("job-1", "c", FinishReason.LENGTH.wire(), true, 7));
      completions.pipeInput("c", completion("job-1", "c", FinishReason.LENGTH.wire(), true, 7));
      Map<String, JobStatus> latest = jobs.readKeyValuesToMap();
      JobStatus one = latest.get("job-1");
      assertThat(one.getSubmitted()).isEqualTo(3);
      assertThat(one.getResubmitted()).isEqualTo(1);
      assertThat(one.getCompleted()).isEqualTo(3);
      assertThat(one.getFailed()).isEqualTo(1);
      assertThat(one.getCached()).isEqualTo(1);
      assertThat(one.getOutputTokens()).isEqualTo(17);
      assertThat(one.getPromptTokens()).isEqualTo(9);
      assertThat(one.getFirstSubmittedMs()).isEqualTo(1000);
      assertThat(one.getLastCompletedMs()).isEqualTo(5000);
      assertThat(latest.get("job-2").getSubmitted()).isEqualTo(1);
      assertThat(latest.get("job-2").getCompleted()).isZero();
    } finally {
      SchemaRegistries.dropScope(scope);
    }
  }
}
