package io.pagedstream.schemas.registry;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaCompatibility.SchemaCompatibilityType;

/**
 * A schema registry held in memory, for tests and single-process runs. It behaves like Confluent's
 * for the calls it supports: ids are global and assigned in order from 1, registering a schema that
 * is already registered (anywhere) reuses its id, and a new version must be BACKWARD compatible
 * with the subject's latest one (Confluent's default), else {@code 409}.
 *
 * <p>Built on a {@link SchemaJournal}, it replays the journal first and appends every new version
 * to it before returning its id, so ids stay valid for records kept across processes.
 */
public final class InMemorySchemaRegistry implements SchemaRegistry {

  private final List<Schema> schemasById = new ArrayList<>(); // id n is at index n - 1
  private final Map<String, Integer> idsBySchemaText = new HashMap<>();
  private final Map<String, List<Integer>> versionIdsBySubject = new HashMap<>();
  private final SchemaJournal journal;

  /** A registry that lives as long as this object. */
  public InMemorySchemaRegistry() {
    this.journal = null;
  }

  /**
   * A registry holding what {@code journal} holds and storing new versions there.
   *
   * @throws SchemaRegistryException if the journal's ids or versions are not the dense sequences
   *     this registry assigns (a journal written by something else)
   */
  public InMemorySchemaRegistry(SchemaJournal journal) {
    this.journal = java.util.Objects.requireNonNull(journal, "journal");
    for (RegisteredSchema r : journal.load()) {
      restore(r);
    }
  }

  private void restore(RegisteredSchema r) {
    if (r.id() == schemasById.size() + 1) {
      schemasById.add(r.schema());
      idsBySchemaText.put(r.schema().toString(), r.id());
    } else if (r.id() < 1
        || r.id() > schemasById.size()
        || !schemasById.get(r.id() - 1).equals(r.schema())) {
      throw new SchemaRegistryException(
          "stored schemas out of order: id "
              + r.id()
              + " of "
              + r.subject()
              + " after "
              + schemasById.size()
              + " ids",
          500,
          50001);
    }
    List<Integer> versions =
        versionIdsBySubject.computeIfAbsent(r.subject(), s -> new ArrayList<>());
    if (r.version() != versions.size() + 1) {
      throw new SchemaRegistryException(
          "stored schemas out of order: version "
              + r.version()
              + " of "
              + r.subject()
              + " after "
              + versions.size()
              + " versions",
          500,
          50001);
    }
    versions.add(r.id());
  }

  @Override
  public synchronized int register(String subject, Schema schema) {
    String text = schema.toString();
    Integer id = idsBySchemaText.get(text);
    List<Integer> versions = versionIdsBySubject.computeIfAbsent(subject, s -> new ArrayList<>());
    if (id != null && versions.contains(id)) {
      return id;
    }
    if (!versions.isEmpty()) {
      Schema latest = schemasById.get(versions.get(versions.size() - 1) - 1);
      var result = SchemaCompatibility.checkReaderWriterCompatibility(schema, latest).getResult();
      if (result.getCompatibility() != SchemaCompatibilityType.COMPATIBLE) {
        String why =
            result.getIncompatibilities().stream()
                .map(i -> i.getType() + " at " + i.getLocation())
                .collect(Collectors.joining("; "));
        throw new SchemaRegistryException(
            "Schema being registered is incompatible with the latest"
                + " schema under subject '"
                + subject
                + "' (BACKWARD): "
                + why,
            409,
            SchemaRegistryException.INCOMPATIBLE_SCHEMA);
      }
    }
    boolean newSchema = id == null;
    if (newSchema) {
      id = schemasById.size() + 1;
    }
    if (journal != null) {
      // stored before anyone can write a record with this id; a failure leaves nothing registered
      journal.append(new RegisteredSchema(subject, versions.size() + 1, id, schema));
    }
    if (newSchema) {
      schemasById.add(schema);
      idsBySchemaText.put(text, id);
    }
    versions.add(id);
    return id;
  }

  @Override
  public synchronized int lookup(String subject, Schema schema) {
    List<Integer> versions = versions(subject);
    Integer id = idsBySchemaText.get(schema.toString());
    if (id == null || !versions.contains(id)) {
      throw new SchemaRegistryException(
          "Schema not found under subject '" + subject + "'",
          404,
          SchemaRegistryException.SCHEMA_NOT_FOUND);
    }
    return id;
  }

  @Override
  public synchronized Schema schemaById(int id) {
    if (id < 1 || id > schemasById.size()) {
      throw new SchemaRegistryException(
          "Schema " + id + " not found", 404, SchemaRegistryException.SCHEMA_NOT_FOUND);
    }
    return schemasById.get(id - 1);
  }

  @Override
  public synchronized RegisteredSchema latest(String subject) {
    List<Integer> versions = versions(subject);
    int id = versions.get(versions.size() - 1);
    return new RegisteredSchema(subject, versions.size(), id, schemasById.get(id - 1));
  }

  /** The subjects registered so far, in no particular order. */
  public synchronized List<String> subjects() {
    return List.copyOf(versionIdsBySubject.keySet());
  }

  private List<Integer> versions(String subject) {
    List<Integer> versions = versionIdsBySubject.get(subject);
    if (versions == null || versions.isEmpty()) {
      throw new SchemaRegistryException(
          "Subject '" + subject + "' not found", 404, SchemaRegistryException.SUBJECT_NOT_FOUND);
    }
    return versions;
  }

  @Override
  public synchronized String toString() {
    return "InMemorySchemaRegistry[" + schemasById.size() + " schemas]";
  }
}
