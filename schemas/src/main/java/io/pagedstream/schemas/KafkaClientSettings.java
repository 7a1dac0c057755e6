package io.pagedstream.schemas;

import io.pagedstream.schemas.registry.SchemaRegistryConfig;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.Set;
import java.util.function.Predicate;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.streams.StreamsConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one way a PagedStream service configures a Kafka client (admin, consumer, producer or Kafka
 * Streams application). Three layers, each winning over the one before:
 *
 * <pre>
 *   service defaults      tuning the user may change (linger, batch size, session timeout)
 *        v
 *   the user's file       {@link KafkaSettings}: --kafka-config and --bootstrap-servers, filtered
 *        v                to the keys this kind of client knows (plus every sasl.* and ssl.* key)
 *   fixed by the service  its identity (client id, group, transactional id, application id) and
 *                         what its guarantees rest on; a file that says otherwise is ignored, with
 *                         a warning for a guarantee
 * </pre>
 *
 * <p>The guarantees: consumers read committed records only and never auto-commit; producers are
 * idempotent with {@code acks=all}; Streams applications run {@code exactly_once_v2}. Identities
 * never come from the shared file, since one file serves every service: a consumer that assigns its
 * partitions gets no {@code group.id} at all, a group member gets the stable name its service
 * gives, and a transactional id is only ever the service's own.
 */
public final class KafkaClientSettings {

  private static final Logger log = LoggerFactory.getLogger(KafkaClientSettings.class);

  /** What kind of client the settings are for: it decides which of the user's keys apply. */
  public enum Kind {
    ADMIN,
    CONSUMER,
    PRODUCER,
    STREAMS
  }

  /** Keys a file may not set for any client: they name a service, and the file is shared. */
  private static final Set<String> IDENTITY =
      Set.of(
          ConsumerConfig.GROUP_ID_CONFIG, ConsumerConfig.GROUP_INSTANCE_ID_CONFIG,
          ProducerConfig.TRANSACTIONAL_ID_CONFIG, StreamsConfig.APPLICATION_ID_CONFIG,
          // serializers and deserializers are passed to the clients as instances
          ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG,
              ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG,
          ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG);

  /** Prefixes Kafka Streams hands on to the clients it creates. */
  private static final Set<String> STREAMS_CLIENT_PREFIXES =
      Set.of(
          StreamsConfig.CONSUMER_PREFIX,
          StreamsConfig.MAIN_CONSUMER_PREFIX,
          StreamsConfig.RESTORE_CONSUMER_PREFIX,
          StreamsConfig.GLOBAL_CONSUMER_PREFIX,
          StreamsConfig.PRODUCER_PREFIX,
          StreamsConfig.ADMIN_CLIENT_PREFIX,
          StreamsConfig.TOPIC_PREFIX);

  private final Kind kind;
  private final KafkaSettings kafka;
  private final Map<String, Object> defaults = new HashMap<>();
  private final Map<String, Object> fixed = new LinkedHashMap<>();
  private final Map<String, Object> guarantees = new LinkedHashMap<>();

  private KafkaClientSettings(Kind kind, KafkaSettings kafka, String clientIdKey, String clientId) {
    this.kind = Objects.requireNonNull(kind, "kind");
    this.kafka = Objects.requireNonNull(kafka, "kafka settings");
    fixed.put(clientIdKey, requireName(clientId, clientIdKey));
  }

  /** An admin client. */
  public static KafkaClientSettings admin(KafkaSettings kafka, String clientId) {
    return new KafkaClientSettings(Kind.ADMIN, kafka, AdminClientConfig.CLIENT_ID_CONFIG, clientId);
  }

  /**
   * A consumer that assigns its partitions itself: no {@code group.id}, so it leaves no group
   * behind on the cluster and needs no group ACL.
   */
  public static KafkaClientSettings assignedConsumer(KafkaSettings kafka, String clientId) {
    KafkaClientSettings s =
        new KafkaClientSettings(Kind.CONSUMER, kafka, ConsumerConfig.CLIENT_ID_CONFIG, clientId);
    s.guarantee(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    s.guarantee(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    return s;
  }

  /**
   * A member of the consumer group {@code groupId}: a stable name, which ACLs, lag monitoring and
   * committed offsets refer to.
   */
  public static KafkaClientSettings groupConsumer(
      KafkaSettings kafka, String groupId, String clientId) {
    KafkaClientSettings s = assignedConsumer(kafka, clientId);
    s.fixed.put(
        ConsumerConfig.GROUP_ID_CONFIG, requireName(groupId, ConsumerConfig.GROUP_ID_CONFIG));
    return s;
  }

  /**
   * An idempotent producer with {@code acks=all} (no loss, no duplicates from retries);
   * transactional when {@code transactionalId} is not null.
   */
  public static KafkaClientSettings producer(
      KafkaSettings kafka, String clientId, String transactionalId) {
    KafkaClientSettings s =
        new KafkaClientSettings(Kind.PRODUCER, kafka, ProducerConfig.CLIENT_ID_CONFIG, clientId);
    s.guarantee(ProducerConfig.ACKS_CONFIG, "all");
    s.guarantee(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
    if (transactionalId != null) {
      s.fixed.put(
          ProducerConfig.TRANSACTIONAL_ID_CONFIG,
          requireName(transactionalId, ProducerConfig.TRANSACTIONAL_ID_CONFIG));
    }
    return s;
  }

  /**
   * A Kafka Streams application with {@code exactly_once_v2}: each input's results and its offset
   * commit land together. Its threads' client ids derive from the application id.
   */
  public static KafkaClientSettings streams(KafkaSettings kafka, String applicationId) {
    KafkaClientSettings s =
        new KafkaClientSettings(
            Kind.STREAMS, kafka, StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
    s.guarantee(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
    return s;
  }

  /** A setting of the service that the user's file may change. */
  public KafkaClientSettings withDefault(String key, Object value) {
    defaults.put(key, Objects.requireNonNull(value, key));
    return this;
  }

  /** A setting the service's logic needs as it is: the user's file does not change it. */
  public KafkaClientSettings with(String key, Object value) {
    if (guarantees.containsKey(key)) {
      throw new IllegalArgumentException(
          key + " is a guarantee of every " + kind + " client and cannot be changed");
    }
    fixed.put(key, Objects.requireNonNull(value, key));
    return this;
  }

  /** The client's configuration: a fresh mutable map. */
  public Map<String, Object> build() {
    Map<String, Object> m = new HashMap<>(defaults);
    Predicate<String> known = knownKeys();
    kafka
        .asMap()
        .forEach(
            (k, v) -> {
              if (known.test(k) && !IDENTITY.contains(k)) {
                m.put(k, v);
              }
            });
    fixed.forEach(m::put);
    guarantees.forEach(
        (k, v) -> {
          Object given = m.put(k, v);
          if (given != null && !same(k, given, v)) {
            log.warn(
                "Ignoring {}={} from the Kafka config: every PagedStream {} client uses {}={}",
                k,
                given,
                kind.name().toLowerCase(Locale.ROOT),
                k,
                v);
          }
        });
    return m;
  }

  /** {@link #build()} as {@link Properties}, as Kafka Streams takes them. */
  public Properties properties() {
    Properties p = new Properties();
    p.putAll(build());
    return p;
  }

  private void guarantee(String key, String value) {
    guarantees.put(key, value);
  }

  /**
   * The user's keys this kind of client knows. sasl.* and ssl.* include listener- and
   * mechanism-specific keys that configNames() omits. A Streams application also takes its clients'
   * keys (prefixed or not), and the schema registry's: Streams configures the handlers it creates
   * (the batcher's dead-letter handler serializes error completions) with its whole config.
   */
  private Predicate<String> knownKeys() {
    Set<String> names =
        switch (kind) {
          case ADMIN -> AdminClientConfig.configNames();
          case CONSUMER -> ConsumerConfig.configNames();
          case PRODUCER -> ProducerConfig.configNames();
          case STREAMS -> StreamsConfig.configDef().names();
        };
    Predicate<String> known =
        k -> names.contains(k) || k.startsWith("sasl.") || k.startsWith("ssl.");
    if (kind != Kind.STREAMS) {
      return known;
    }
    return known
        .or(AdminClientConfig.configNames()::contains)
        .or(ConsumerConfig.configNames()::contains)
        .or(ProducerConfig.configNames()::contains)
        .or(k -> STREAMS_CLIENT_PREFIXES.stream().anyMatch(k::startsWith))
        .or(SchemaRegistryConfig.CONFIG_DEF.names()::contains);
  }

  private static boolean same(String key, Object given, Object wanted) {
    String g = given.toString().trim();
    return g.equalsIgnoreCase(wanted.toString())
        || (key.equals(ProducerConfig.ACKS_CONFIG) && g.equals("-1"));
  }

  private static String requireName(String name, String what) {
    if (name == null || name.isBlank()) {
      throw new IllegalArgumentException(what + " must not be blank");
    }
    return name;
  }
}
