package io.pagedstream.schemas.registry;

import java.util.List;

/**
 * Where an {@link InMemorySchemaRegistry} keeps its registrations so that they outlive the process:
 * replayed in order when the registry is built, appended to (and durable) before a new schema id is
 * handed out, so no record can carry an id the next process would not know.
 */
public interface SchemaJournal {

  /** Every registration so far, in the order they were made. */
  List<RegisteredSchema> load();

  /** Stores one new registration durably; returns only once it is stored. */
  void append(RegisteredSchema registration);
}
