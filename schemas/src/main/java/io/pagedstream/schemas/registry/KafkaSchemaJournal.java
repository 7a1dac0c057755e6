package io.pagedstream.schemas.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.pagedstream.schemas.KafkaClientSettings;
import io.pagedstream.schemas.KafkaSettings;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.avro.Schema;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * A {@link SchemaJournal} on a compacted, single-partition Kafka topic ({@code _schemas} by
 * default), the way Confluent's registry stores its schemas: key {@code
 * {"keytype":"SCHEMA","subject":…,"version":…,"magic":1}}, value {@code
 * {"subject":…,"version":…,"id":…,"schema":"…"}}. One partition keeps the order of registrations,
 * so ids replay as they were assigned. Appends wait for {@code acks=all}.
 *
 * <pre>
 *   register (new version) -> append -> [_schemas] (compacted, 1 partition)
 *   next process: [_schemas] from the start -> load -> the same ids
 * </pre>
 */
public final class KafkaSchemaJournal implements SchemaJournal, AutoCloseable {

  public static final String DEFAULT_TOPIC = "_schemas";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration TIMEOUT = Duration.ofSeconds(60);

  private final Map<String, Object> clientSettings;
  private final String topic;
  private KafkaProducer<byte[], byte[]> producer;

  private KafkaSchemaJournal(Map<String, Object> clientSettings, String topic) {
    this.clientSettings = clientSettings;
    this.topic = topic;
  }

  /**
   * Opens the journal on {@code topic}, creating it (compacted, one partition) when missing.
   *
   * @param clientSettings bootstrap servers and security settings of the cluster
   */
  public static KafkaSchemaJournal open(Map<String, ?> clientSettings, String topic) {
    KafkaSchemaJournal journal = new KafkaSchemaJournal(Map.copyOf(clientSettings), topic);
    journal.ensureTopic();
    return journal;
  }

  private void ensureTopic() {
    try (Admin admin =
        Admin.create(KafkaClientSettings.admin(kafka(), "pagedstream-schemas-admin").build())) {
      if (admin
          .listTopics()
          .names()
          .get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
          .contains(topic)) {
        return;
      }
      try {
        admin
            .createTopics(
                List.of(
                    new NewTopic(topic, Optional.of(1), Optional.empty())
                        .configs(Map.of("cleanup.policy", "compact"))))
            .all()
            .get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      } catch (ExecutionException e) {
        if (!(e.getCause() instanceof TopicExistsException)) {
          throw e;
        }
      }
    } catch (ExecutionException e) {
      throw new SchemaRegistryException(
          "cannot create the schema topic " + topic + ": " + e.getCause().getMessage(),
          SchemaRegistryException.UNREACHABLE,
          SchemaRegistryException.UNREACHABLE);
    } catch (TimeoutException e) {
      throw new SchemaRegistryException(
          "the schema topic " + topic + " could not be read within " + TIMEOUT.toSeconds() + " s",
          SchemaRegistryException.UNREACHABLE,
          SchemaRegistryException.UNREACHABLE);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new SchemaRegistryException(
          "interrupted while opening the schema topic " + topic,
          SchemaRegistryException.UNREACHABLE,
          SchemaRegistryException.UNREACHABLE);
    }
  }

  private KafkaSettings kafka() {
    return KafkaSettings.of(clientSettings);
  }

  @Override
  public List<RegisteredSchema> load() {
    // partitions assigned: no consumer group
    Map<String, Object> props =
        KafkaClientSettings.assignedConsumer(kafka(), "pagedstream-schemas-reader").build();
    // one partition: records come in registration order; keys are never rewritten, so compaction
    // removes nothing
    Map<String, RegisteredSchema> byKey = new LinkedHashMap<>();
    TopicPartition partition = new TopicPartition(topic, 0);
    try (KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      consumer.assign(List.of(partition));
      consumer.seekToBeginning(List.of(partition));
      long end = consumer.endOffsets(List.of(partition), TIMEOUT).get(partition);
      long deadline = System.nanoTime() + TIMEOUT.toNanos();
      while (consumer.position(partition, TIMEOUT) < end) {
        if (System.nanoTime() > deadline) {
          throw new SchemaRegistryException(
              "the schema topic "
                  + topic
                  + " could not be read within "
                  + TIMEOUT.toSeconds()
                  + " s",
              SchemaRegistryException.UNREACHABLE,
              SchemaRegistryException.UNREACHABLE);
        }
        for (ConsumerRecord<byte[], byte[]> rec : consumer.poll(Duration.ofMillis(200))) {
          if (rec.value() == null) {
            continue;
          }
          RegisteredSchema r = parse(rec.value());
          byKey.put(r.subject() + "\u0000" + r.version(), r);
        }
      }
    }
    return new ArrayList<>(byKey.values());
  }

  @Override
  public synchronized void append(RegisteredSchema r) {
    if (producer == null) {
      Map<String, Object> props =
          KafkaClientSettings.producer(kafka(), "pagedstream-schemas-writer", null).build();
      producer = new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer());
    }
    ObjectNode key = JSON.createObjectNode();
    key.put("keytype", "SCHEMA");
    key.put("subject", r.subject());
    key.put("version", r.version());
    key.put("magic", 1);
    ObjectNode value = JSON.createObjectNode();
    value.put("subject", r.subject());
    value.put("version", r.version());
    value.put("id", r.id());
    value.put("schema", r.schema().toString());
    try {
      producer
          .send(new ProducerRecord<>(topic, 0, bytes(key), bytes(value)))
          .get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      throw new SchemaRegistryException(
          "cannot store schema "
              + r.id()
              + " of "
              + r.subject()
              + " in "
              + topic
              + ": "
              + e.getCause().getMessage(),
          500,
          50001);
    } catch (TimeoutException e) {
      throw new SchemaRegistryException(
          "cannot store schema "
              + r.id()
              + " of "
              + r.subject()
              + " in "
              + topic
              + " within "
              + TIMEOUT.toSeconds()
              + " s",
          500,
          50001);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new SchemaRegistryException("interrupted while storing a schema", 500, 50001);
    }
  }

  private RegisteredSchema parse(byte[] value) {
    try {
      JsonNode o = JSON.readTree(value);
      if (o == null
          || !o.path("subject").isTextual()
          || !o.path("id").canConvertToInt()
          || !o.path("version").canConvertToInt()
          || !o.path("schema").isTextual()) {
        throw new SchemaRegistryException(
            "the schema topic " + topic + " holds a record that is not a schema registration",
            SchemaRegistryException.UNREACHABLE,
            SchemaRegistryException.UNREACHABLE);
      }
      return new RegisteredSchema(
          o.get("subject").asText(),
          o.get("version").asInt(),
          o.get("id").asInt(),
          new Schema.Parser().parse(o.get("schema").asText()));
    } catch (IOException | org.apache.avro.SchemaParseException e) {
      throw new SchemaRegistryException(
          "the schema topic " + topic + " holds an unreadable record: " + e.getMessage(),
          SchemaRegistryException.UNREACHABLE,
          SchemaRegistryException.UNREACHABLE);
    }
  }

  private static byte[] bytes(JsonNode node) {
    return node.toString().getBytes(StandardCharsets.UTF_8);
  }

  @Override
  public synchronized void close() {
    if (producer != null) {
      producer.close(Duration.ofSeconds(10));
      producer = null;
    }
  }

  @Override
  public String toString() {
    return "KafkaSchemaJournal[" + topic + "]";
  }
}
