package io.pagedstream.app.run;

import io.pagedstream.ingest.TopicNames;
import io.pagedstream.schemas.KafkaSettings;
import io.pagedstream.schemas.Topics;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;

/**
 * Creates the pipeline's topics when missing: the data topics with the given partitions (the
 * most processors that can share the work), the cache and progress topics compacted.
 */
public final class PipelineTopics {

  private PipelineTopics() {}

  /** @param replication null for the cluster's default */
  public static void ensure(KafkaSettings kafka, int partitions, Short replication) {
    Optional<Short> rf = Optional.ofNullable(replication);
    Map<String, String> compact = Map.of("cleanup.policy", "compact");
    List<NewTopic> wanted = new ArrayList<>(List.of(
        new NewTopic(Topics.REQUESTS, Optional.of(partitions), rf),
        new NewTopic(Topics.BATCHES, Optional.of(partitions), rf),
        new NewTopic(Topics.COMPLETIONS, Optional.of(partitions), rf),
        new NewTopic(Topics.DEAD_LETTER, Optional.of(1), rf),
        new NewTopic(Topics.RESPONSE_CACHE, Optional.of(partitions), rf).configs(compact),
        new NewTopic(Topics.JOBS, Optional.of(1), rf).configs(compact),
        new NewTopic(TopicNames.DEFAULT_PROGRESS, Optional.of(1), rf).configs(compact)));
    try (Admin admin = Admin.create(kafka.asMap())) {
      Set<String> existing = admin.listTopics().names().get();
      List<NewTopic> missing = wanted.stream().filter(t -> !existing.contains(t.name())).toList();
      if (!missing.isEmpty()) {
        admin.createTopics(missing).all().get();
      }
    } catch (ExecutionException e) {
      throw new IllegalStateException("cannot create the pipeline's topics: " + e.getCause().getMessage(), e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while creating topics", e);
    }
  }
}
