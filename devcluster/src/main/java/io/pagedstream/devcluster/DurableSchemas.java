package io.pagedstream.devcluster;

import io.pagedstream.schemas.KafkaSettings;
import io.pagedstream.schemas.registry.KafkaSchemaJournal;
import io.pagedstream.schemas.registry.SchemaRegistries;
import io.pagedstream.schemas.registry.SchemaRegistryConfig;

/**
 * The in-process ({@code mock://}) registry of a pipeline whose broker keeps its data, made
 * durable: its schemas live in the compacted {@code _schemas} topic of that broker, so the schema
 * ids inside records written by one process mean the same schemas to the next.
 *
 * <pre>
 *   serializers (mock://scope) -> InMemorySchemaRegistry -> [_schemas] (same broker, same data dir)
 * </pre>
 */
public final class DurableSchemas implements AutoCloseable {

  private final String scope;
  private final KafkaSchemaJournal journal;

  private DurableSchemas(String scope, KafkaSchemaJournal journal) {
    this.scope = scope;
    this.journal = journal;
  }

  /**
   * Opens the scope named by {@code kafka}'s {@code mock://} registry URL on the broker's schema
   * topic; null when the settings name an external registry, which keeps its schemas itself.
   */
  public static DurableSchemas openIfInProcess(KafkaSettings kafka) {
    Object url = kafka.asMap().get(SchemaRegistryConfig.URL);
    if (url == null || !url.toString().startsWith(SchemaRegistries.MOCK_PREFIX)) {
      return null;
    }
    String scope = url.toString().substring(SchemaRegistries.MOCK_PREFIX.length());
    KafkaSchemaJournal journal =
        KafkaSchemaJournal.open(kafka.asMap(), KafkaSchemaJournal.DEFAULT_TOPIC);
    try {
      SchemaRegistries.openDurableScope(scope, journal);
    } catch (RuntimeException e) {
      journal.close();
      throw e;
    }
    return new DurableSchemas(scope, journal);
  }

  @Override
  public void close() {
    SchemaRegistries.dropScope(scope);
    journal.close();
  }
}
