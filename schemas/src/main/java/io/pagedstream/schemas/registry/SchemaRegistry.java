package io.pagedstream.schemas.registry;

import org.apache.avro.Schema;

/**
 * The calls the serdes make on a schema registry. Implementations are thread-safe; failures are
 * {@link SchemaRegistryException}s carrying the registry's error code.
 */
public interface SchemaRegistry {

  /**
   * Registers {@code schema} under {@code subject} (a no-op returning the existing id when it is
   * already registered there).
   *
   * @return the schema's global id
   * @throws SchemaRegistryException with {@link SchemaRegistryException#INCOMPATIBLE_SCHEMA} when
   *     the subject's compatibility rules reject it
   */
  int register(String subject, Schema schema);

  /**
   * The id of {@code schema} if it is already registered under {@code subject}; used instead of
   * {@link #register} when {@code auto.register.schemas=false}.
   *
   * @throws SchemaRegistryException with {@link SchemaRegistryException#SUBJECT_NOT_FOUND} or
   *     {@link SchemaRegistryException#SCHEMA_NOT_FOUND} when it is not
   */
  int lookup(String subject, Schema schema);

  /**
   * The schema with this global id.
   *
   * @throws SchemaRegistryException with {@link SchemaRegistryException#SCHEMA_NOT_FOUND} for an
   *     unknown id
   */
  Schema schemaById(int id);

  /** The newest version registered under {@code subject}. */
  RegisteredSchema latest(String subject);

  /** The subject a topic's keys or values are registered under (Confluent's TopicNameStrategy). */
  static String subjectFor(String topic, boolean isKey) {
    return topic + (isKey ? "-key" : "-value");
  }
}
