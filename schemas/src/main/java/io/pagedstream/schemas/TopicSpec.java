package io.pagedstream.schemas;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.admin.NewTopic;

/**
 * How one of the pipeline's topics is laid out: its partitions and its topic-level settings.
 * Replication is not part of it: that belongs to the cluster ({@link Replication}).
 *
 * @param name the topic
 * @param fixedPartitions its partition count, or {@link #SCALED} for the data topics whose
 *     partitions bound how many processors (and batchers) share the work: those get the
 *     deployment's count
 * @param configs topic-level settings (retention, compaction, record size)
 */
public record TopicSpec(String name, int fixedPartitions, Map<String, String> configs) {

  /**
   * Partitions chosen by the deployment (the {@code --partitions} of {@code run}, {@code
   * PARTITIONS} in compose).
   */
  public static final int SCALED = 0;

  public TopicSpec {
    if (name == null || name.isBlank()) {
      throw new IllegalArgumentException("a topic name must not be blank");
    }
    if (fixedPartitions < 0) {
      throw new IllegalArgumentException(
          "partitions of " + name + " must be positive or SCALED, got " + fixedPartitions);
    }
    configs = Map.copyOf(configs);
  }

  /** The same layout under another name (a deployment's own topic names, a test's unique ones). */
  public TopicSpec withName(String otherName) {
    return new TopicSpec(otherName, fixedPartitions, configs);
  }

  public boolean scaled() {
    return fixedPartitions == SCALED;
  }

  /**
   * The partitions this topic gets when the deployment's data topics have {@code scaledPartitions}.
   */
  public int partitions(int scaledPartitions) {
    return scaled() ? scaledPartitions : fixedPartitions;
  }

  /**
   * The topic to create: with {@code replication} its factor and {@code min.insync.replicas} are
   * set on the topic; without, both are left to the cluster's defaults.
   */
  public NewTopic newTopic(int scaledPartitions, Optional<Replication> replication) {
    Map<String, String> all = new HashMap<>(configs);
    replication.ifPresent(
        r ->
            all.put(
                Replication.MIN_INSYNC_REPLICAS_CONFIG, Integer.toString(r.minInsyncReplicas())));
    return new NewTopic(
            name,
            Optional.of(partitions(scaledPartitions)),
            replication.map(Replication::factorAsShort))
        .configs(all);
  }
}
