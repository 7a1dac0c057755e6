package io.pagedstream.app.run;

import io.pagedstream.core.request.GenerationResult;
import io.pagedstream.schemas.Completions;
import io.pagedstream.schemas.KafkaClientSettings;
import io.pagedstream.schemas.KafkaSettings;
import io.pagedstream.schemas.Topics;
import io.pagedstream.schemas.avro.Completion;
import io.pagedstream.schemas.serde.AvroDeserializer;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Reads a job's committed completions from the start of {@code llm.completions} until every
 * expected request id has one, and hands them out in the job's input order, so a run's output file
 * reads like {@code generate}'s. A second completion for an id (which exactly-once processing
 * should never produce) is counted, not written.
 */
public final class CompletionCollector {

  /**
   * What a collection saw.
   *
   * @param earlierResults of {@code results}, those committed by an earlier process (a resumed job)
   * @param earlierOutputTokens of {@code outputTokens}, those of the earlier results
   */
  public record Outcome(
      int results,
      int errors,
      int cached,
      long outputTokens,
      int duplicates,
      Set<String> missing,
      int earlierResults,
      long earlierOutputTokens) {}

  /**
   * How long the completions topic's partitions may take to be known (a topic created just now).
   */
  private static final Duration PARTITIONS_TIMEOUT = Duration.ofSeconds(60);

  private final KafkaSettings kafka;
  private final String jobId;
  private final Map<TopicPartition, Long> writtenBefore;

  public CompletionCollector(KafkaSettings kafka, String jobId) {
    this(kafka, jobId, Map.of());
  }

  /**
   * @param writtenBefore per partition, the offset below which completions were written by an
   *     earlier process ({@link io.pagedstream.devcluster.DevCluster#completionsWrittenBefore()})
   */
  public CompletionCollector(
      KafkaSettings kafka, String jobId, Map<TopicPartition, Long> writtenBefore) {
    this.kafka = kafka;
    this.jobId = jobId;
    this.writtenBefore = Map.copyOf(writtenBefore);
  }

  /**
   * Collects results for {@code expectedIds} (in input order) and passes each to {@code sink} in
   * that order as soon as all earlier ones are there. {@code onProgress} sees (results, tokens of
   * the results this process answered): a resumed job's earlier results come first, so a progress
   * bar starts from what is done and its rate counts only what is generated now. Stops when all are
   * in, or when {@code keepGoing} turns false.
   */
  public Outcome collect(
      List<String> expectedIds,
      Consumer<GenerationResult> sink,
      java.util.function.BiConsumer<Integer, Long> onProgress,
      BooleanSupplier keepGoing) {
    Map<String, Integer> position = new HashMap<>();
    for (int i = 0; i < expectedIds.size(); i++) {
      position.putIfAbsent(expectedIds.get(i), i);
    }
    GenerationResult[] byPosition = new GenerationResult[expectedIds.size()];
    int next = 0;
    int seen = 0;
    int errors = 0;
    int cached = 0;
    int duplicates = 0;
    long tokens = 0;
    int earlier = 0;
    long earlierTokens = 0;
    AvroDeserializer<Completion> reader = new AvroDeserializer<>(Completion.class);
    reader.configure(kafka.asMap(), false);
    // every partition assigned and read from the start: no consumer group, nothing left behind
    Map<String, Object> props =
        KafkaClientSettings.assignedConsumer(kafka, "pagedstream-collector").build();
    try (KafkaConsumer<String, byte[]> consumer =
        new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> partitions =
          consumer.partitionsFor(Topics.COMPLETIONS, PARTITIONS_TIMEOUT).stream()
              .map(p -> new TopicPartition(p.topic(), p.partition()))
              .toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      while (seen < expectedIds.size() && keepGoing.getAsBoolean()) {
        for (ConsumerRecord<String, byte[]> rec : consumer.poll(Duration.ofMillis(200))) {
          Completion c = reader.deserialize(rec.topic(), rec.value());
          Integer at = c == null || !jobId.equals(c.getJobId()) ? null : position.get(c.getId());
          if (at == null) {
            continue;
          }
          if (byPosition[at] != null) {
            duplicates++;
            continue;
          }
          byPosition[at] = Completions.result(c);
          seen++;
          tokens += c.getOutputTokens();
          errors += Completions.isError(c) ? 1 : 0;
          cached += c.getCached() ? 1 : 0;
          if (rec.offset()
              < writtenBefore.getOrDefault(new TopicPartition(rec.topic(), rec.partition()), 0L)) {
            earlier++;
            earlierTokens += c.getOutputTokens();
          }
        }
        while (next < byPosition.length && byPosition[next] != null) {
          sink.accept(byPosition[next++]);
        }
        onProgress.accept(seen, tokens - earlierTokens);
      }
    }
    Set<String> missing = new LinkedHashSet<>();
    for (int i = 0; i < byPosition.length; i++) {
      if (byPosition[i] == null) {
        missing.add(expectedIds.get(i));
      }
    }
    return new Outcome(seen, errors, cached, tokens, duplicates, missing, earlier, earlierTokens);
  }
}
