package io.pagedstream.app.security;

import io.pagedstream.batcher.BatcherConfig;
import io.pagedstream.batcher.jobs.JobsTopology;
import io.pagedstream.processor.ProcessorConfig;
import io.pagedstream.schemas.Topics;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;

/**
 * The Kafka ACLs each PagedStream service needs on a cluster with an authorizer, for the default
 * topic names, application ids and consumer groups, and nothing more: {@code SecurityTest} runs the
 * whole pipeline with exactly these and no super user. Topics are expected to exist (created by an
 * operator, or by {@code TopicAdmin} as an admin); the only topics a service creates are Kafka
 * Streams' internal ones, under its application id.
 *
 * <p>READ and WRITE imply DESCRIBE, so DESCRIBE is never listed beside them. No service needs a
 * CLUSTER ACL: since Kafka 3.0 an idempotent producer only needs WRITE on some topic.
 */
public final class ServiceAcls {

  /** A service that reads or writes the pipeline's topics. */
  public enum Service {
    /** {@code ingest} and {@code PromptProducer}: requests in, error results out, resume points. */
    INGEST,
    /**
     * The batcher: Kafka Streams application {@value BatcherConfig#DEFAULT_APPLICATION_ID}. The
     * {@code batcher} command also runs {@link #JOBS} (unless {@code --no-jobs}): grant both.
     */
    BATCHER,
    /** The jobs aggregation: Kafka Streams application {@value JobsTopology#APPLICATION_ID}. */
    JOBS,
    /** {@code processor}: consumer group {@value ProcessorConfig#DEFAULT_GROUP}, transactional. */
    PROCESSOR,
    /** {@code run}'s result collection and {@code status}: read completions and job figures. */
    RESULTS_READER
  }

  /** Prefix of ingest's derived transactional ids ({@code pagedstream-ingest.<job>.<file>}). */
  public static final String INGEST_TRANSACTIONAL_PREFIX = "pagedstream-ingest.";

  /** Prefix of the processors' transactional ids ({@code pagedstream-processor-<group>-<id>}). */
  public static final String PROCESSOR_TRANSACTIONAL_PREFIX = "pagedstream-processor-";

  private ServiceAcls() {}

  /** What {@code principal} (e.g. {@code User:batcher}) needs to run {@code service}. */
  public static List<AclBinding> of(Service service, String principal) {
    Grants g = new Grants(principal);
    switch (service) {
      case INGEST -> {
        // preflight describes the topics' configs to learn the largest record they accept
        g.topic(Topics.REQUESTS, AclOperation.WRITE, AclOperation.DESCRIBE_CONFIGS);
        g.topic(Topics.COMPLETIONS, AclOperation.WRITE, AclOperation.DESCRIBE_CONFIGS);
        // resume points: written in each chunk's transaction, read back (without a group) on start;
        // ingest creates this topic when it is missing, which would need CREATE on it as well
        g.topic(
            Topics.INGEST_PROGRESS,
            AclOperation.WRITE,
            AclOperation.READ,
            AclOperation.DESCRIBE_CONFIGS);
        g.prefixed(ResourceType.TRANSACTIONAL_ID, INGEST_TRANSACTIONAL_PREFIX, AclOperation.WRITE);
      }
      case BATCHER -> {
        g.topic(Topics.REQUESTS, AclOperation.READ);
        // the response cache is read by a global store: a consumer without a group
        g.topic(Topics.RESPONSE_CACHE, AclOperation.READ);
        g.topic(Topics.BATCHES, AclOperation.WRITE);
        g.topic(Topics.COMPLETIONS, AclOperation.WRITE);
        g.topic(Topics.DEAD_LETTER, AclOperation.WRITE);
        streamsApplication(g, BatcherConfig.DEFAULT_APPLICATION_ID);
      }
      case JOBS -> {
        g.topic(Topics.REQUESTS, AclOperation.READ);
        g.topic(Topics.COMPLETIONS, AclOperation.READ);
        g.topic(Topics.JOBS, AclOperation.WRITE);
        streamsApplication(g, JobsTopology.APPLICATION_ID);
      }
      case PROCESSOR -> {
        g.topic(Topics.BATCHES, AclOperation.READ);
        g.topic(Topics.COMPLETIONS, AclOperation.WRITE);
        g.topic(Topics.DEAD_LETTER, AclOperation.WRITE);
        g.topic(Topics.RESPONSE_CACHE, AclOperation.WRITE);
        g.literal(ResourceType.GROUP, ProcessorConfig.DEFAULT_GROUP, AclOperation.READ);
        g.prefixed(
            ResourceType.TRANSACTIONAL_ID, PROCESSOR_TRANSACTIONAL_PREFIX, AclOperation.WRITE);
      }
      case RESULTS_READER -> {
        g.topic(Topics.COMPLETIONS, AclOperation.READ);
        // both read with assigned partitions: no consumer group, so no group ACL
        g.topic(Topics.JOBS, AclOperation.READ);
      }
    }
    return g.bindings;
  }

  /** What any Kafka Streams application needs besides its input and output topics. */
  private static void streamsApplication(Grants g, String applicationId) {
    // changelog and repartition topics are named <application id>-...; Streams creates them
    g.prefixed(ResourceType.TOPIC, applicationId + "-", AclOperation.ALL);
    g.literal(ResourceType.GROUP, applicationId, AclOperation.READ);
    // exactly_once_v2 producers: <application id>-<process id>-<thread index>
    g.prefixed(ResourceType.TRANSACTIONAL_ID, applicationId + "-", AclOperation.WRITE);
  }

  /** Collects ALLOW bindings for one principal, from any host. */
  private static final class Grants {
    final String principal;
    final List<AclBinding> bindings = new ArrayList<>();

    Grants(String principal) {
      this.principal = principal;
    }

    void topic(String name, AclOperation... operations) {
      literal(ResourceType.TOPIC, name, operations);
    }

    void literal(ResourceType type, String name, AclOperation... operations) {
      add(new ResourcePattern(type, name, PatternType.LITERAL), operations);
    }

    void prefixed(ResourceType type, String prefix, AclOperation... operations) {
      add(new ResourcePattern(type, prefix, PatternType.PREFIXED), operations);
    }

    private void add(ResourcePattern resource, AclOperation... operations) {
      for (AclOperation op : operations) {
        bindings.add(
            new AclBinding(
                resource, new AccessControlEntry(principal, "*", op, AclPermissionType.ALLOW)));
      }
    }
  }
}
