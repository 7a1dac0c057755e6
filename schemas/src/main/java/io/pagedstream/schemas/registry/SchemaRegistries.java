package io.pagedstream.schemas.registry;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.apache.kafka.common.config.ConfigException;

/** Picks a {@link SchemaRegistry} implementation from a client config. */
public final class SchemaRegistries {

  public static final String MOCK_PREFIX = "mock://";

  /** The scope used when no {@code schema.registry.url} is set; the same as {@code mock://}. */
  public static final String DEFAULT_SCOPE = "";

  /*
   * Static mutable state, which our style otherwise forbids, on purpose: a serializer and a
   * deserializer are configured separately, often by Kafka itself from nothing but a config map,
   * and must still agree on schema ids. Sharing one registry per scope name within the JVM is how
   * Confluent's MockSchemaRegistry makes `mock://scope` work, and tests keep apart by using
   * distinct scope names (or dropScope).
   */
  private static final ConcurrentMap<String, InMemorySchemaRegistry> SCOPES =
      new ConcurrentHashMap<>();

  private SchemaRegistries() {}

  /**
   * The registry a client config asks for:
   *
   * <ul>
   *   <li>{@code schema.registry.url=http(s)://…[,…]}: a new {@link HttpSchemaRegistry}, with its
   *       own caches;
   *   <li>{@code mock://scope}: the JVM-wide in-memory registry of that scope;
   *   <li>no URL: the JVM-wide in-memory registry of {@link #DEFAULT_SCOPE} (like {@code mock://}),
   *       so that serializers and deserializers in one process agree without any setting. Records
   *       written this way can only be read in the same JVM.
   * </ul>
   *
   * @throws ConfigException for invalid settings, or mock:// mixed with other URLs
   */
  public static SchemaRegistry fromConfig(Map<String, ?> config) {
    return fromConfig(SchemaRegistryConfig.from(config));
  }

  public static SchemaRegistry fromConfig(SchemaRegistryConfig config) {
    List<String> urls = config.urls();
    if (urls.isEmpty()) {
      return mockScope(DEFAULT_SCOPE);
    }
    long mocks = urls.stream().filter(u -> u.startsWith(MOCK_PREFIX)).count();
    if (mocks == 0) {
      return new HttpSchemaRegistry(config);
    }
    if (urls.size() > 1) {
      throw new ConfigException(
          SchemaRegistryConfig.URL + " may hold a single mock:// URL, or only http(s):// URLs");
    }
    return mockScope(urls.get(0).substring(MOCK_PREFIX.length()));
  }

  /** The in-memory registry shared by every {@code mock://scope} client in this JVM. */
  public static InMemorySchemaRegistry mockScope(String scope) {
    return SCOPES.computeIfAbsent(scope, s -> new InMemorySchemaRegistry());
  }

  /**
   * Makes {@code mock://scope} a registry kept in {@code journal}: its schemas (and their ids) are
   * read from the journal now and every new one is stored there, so a later process opening the
   * same journal reads the records this one wrote. Close with {@link #dropScope}.
   *
   * @throws IllegalStateException if the scope is already in use in this JVM
   */
  public static InMemorySchemaRegistry openDurableScope(String scope, SchemaJournal journal) {
    InMemorySchemaRegistry registry = new InMemorySchemaRegistry(journal);
    if (SCOPES.putIfAbsent(scope, registry) != null) {
      throw new IllegalStateException(
          "schema registry scope mock://" + scope + " is already in use in this process");
    }
    return registry;
  }

  /** Forgets a scope, so that its next use starts empty (Confluent's {@code dropScope}). */
  public static void dropScope(String scope) {
    SCOPES.remove(scope);
  }
}
