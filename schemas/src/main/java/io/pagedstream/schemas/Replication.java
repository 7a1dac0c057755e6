package io.pagedstream.schemas;

/**
 * How many copies of every topic a cluster keeps, and how many must have a write before it is
 * acknowledged to an {@code acks=all} producer (every PagedStream producer). With 3 and 2 a write
 * survives the loss of any one broker, and the cluster keeps accepting writes with one broker down.
 * The same figures apply to Kafka's internal topics (consumer offsets, transaction state) and to
 * the Kafka Streams changelogs, and {@code docker-compose.yml} uses them.
 *
 * @param factor replicas of each partition
 * @param minInsyncReplicas replicas that must have a write before it counts as written
 */
public record Replication(int factor, int minInsyncReplicas) {

  public static final String MIN_INSYNC_REPLICAS_CONFIG = "min.insync.replicas";

  /** What a production cluster of three or more brokers runs. */
  public static final Replication PRODUCTION = new Replication(3, 2);

  public Replication {
    if (factor < 1 || factor > Short.MAX_VALUE) {
      throw new IllegalArgumentException("replication factor must be at least 1, got " + factor);
    }
    if (minInsyncReplicas < 1 || minInsyncReplicas > factor) {
      throw new IllegalArgumentException(
          "min.insync.replicas must be between 1 and the replication factor "
              + factor
              + ", got "
              + minInsyncReplicas);
    }
  }

  /**
   * {@link #PRODUCTION} where there are enough brokers; on fewer, every broker holds a copy and one
   * may be down (but not the only one).
   */
  public static Replication forBrokers(int brokers) {
    if (brokers < 1) {
      throw new IllegalArgumentException("a cluster has at least one broker, got " + brokers);
    }
    int factor = Math.min(PRODUCTION.factor(), brokers);
    return new Replication(
        factor, Math.max(1, Math.min(PRODUCTION.minInsyncReplicas(), factor - 1)));
  }

  short factorAsShort() {
    return (short) factor;
  }
}
