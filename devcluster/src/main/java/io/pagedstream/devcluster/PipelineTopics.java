package io.pagedstream.devcluster;

import io.pagedstream.schemas.KafkaSettings;
import io.pagedstream.schemas.Replication;
import io.pagedstream.schemas.Topics;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;

/**
 * Creates the pipeline's topics when missing, as {@link Topics#ALL} specifies them: the data
 * topics with the given partitions (the most processors that can share the work), the others with
 * their fixed counts, compacted where the topic is a table.
 */
public final class PipelineTopics {

  private PipelineTopics() {}

  /** @param replication null for the cluster's defaults */
  public static void ensure(KafkaSettings kafka, int partitions, Short replication) {
    ensure(kafka, partitions, replication == null ? Optional.empty()
        : Optional.of(Replication.forBrokers(replication)));
  }

  /** @param replication empty for the cluster's defaults (factor and {@code min.insync.replicas}) */
  public static void ensure(KafkaSettings kafka, int partitions, Optional<Replication> replication) {
    List<NewTopic> wanted = Topics.ALL.stream().map(t -> t.newTopic(partitions, replication)).toList();
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
