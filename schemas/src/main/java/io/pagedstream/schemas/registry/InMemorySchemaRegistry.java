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
 */
public final class InMemorySchemaRegistry implements SchemaRegistry {

  private final List<Schema> schemasById = new ArrayList<>(); // id n is at index n - 1
  private final Map<String, Integer> idsBySchemaText = new HashMap<>();
  private final Map<String, List<Integer>> versionIdsBySubject = new HashMap<>();

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
        String why = result.getIncompatibilities().stream()
            .map(i -> i.getType() + " at " + i.getLocation())
            .collect(Collectors.joining("; "));
        throw new SchemaRegistryException("Schema being registered is incompatible with the latest"
            + " schema under subject '" + subject + "' (BACKWARD): " + why, 409,
            SchemaRegistryException.INCOMPATIBLE_SCHEMA);
      }
    }
    if (id == null) {
      schemasById.add(schema);
      id = schemasById.size();
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
          "Schema not found under subject '" + subject + "'", 404,
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
      throw new SchemaRegistryException("Subject '" + subject + "' not found", 404,
          SchemaRegistryException.SUBJECT_NOT_FOUND);
    }
    return versions;
  }

  @Override
  public synchronized String toString() {
    return "InMemorySchemaRegistry[" + schemasById.size() + " schemas]";
  }
}
