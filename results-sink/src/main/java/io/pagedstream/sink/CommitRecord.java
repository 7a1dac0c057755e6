package io.pagedstream.sink;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A partition's commit point: every record up to and including {@code offset} is in the files, once
 * the listed publications are done. Written atomically, so it is always one whole commit.
 *
 * @param offset the last committed Kafka offset of the partition
 * @param publications pending files to append to data files; already done when a pending file is
 *     gone
 */
record CommitRecord(long offset, List<Publication> publications) {

  /**
   * Appending {@code pending} to {@code target}, which held {@code length} committed bytes before.
   * Paths are relative to the output directory.
   */
  record Publication(String target, long length, String pending) {}

  private static final ObjectMapper JSON = new ObjectMapper();

  CommitRecord {
    publications = List.copyOf(publications);
  }

  byte[] toJson() {
    ObjectNode root = JSON.createObjectNode();
    root.put("offset", offset);
    ArrayNode list = root.putArray("publications");
    for (Publication p : publications) {
      list.addObject()
          .put("target", p.target())
          .put("length", p.length())
          .put("pending", p.pending());
    }
    return (root.toString() + "\n").getBytes(StandardCharsets.UTF_8);
  }

  /** The record in {@code file}, or empty when there is none yet. */
  static Optional<CommitRecord> read(Path file) throws IOException {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      return Optional.empty();
    }
    try {
      JsonNode root = JSON.readTree(bytes);
      List<Publication> publications = new ArrayList<>();
      for (JsonNode p : root.path("publications")) {
        publications.add(
            new Publication(
                text(p, "target", file), p.path("length").asLong(-1), text(p, "pending", file)));
      }
      if (!root.path("offset").canConvertToLong()) {
        throw new IOException("Commit record " + file + " has no offset");
      }
      return Optional.of(new CommitRecord(root.get("offset").asLong(), publications));
    } catch (JsonProcessingException e) {
      // written by rename only, so a torn record means the file was changed by hand
      throw new IOException(
          "Commit record " + file + " is not valid JSON: " + e.getOriginalMessage(), e);
    }
  }

  private static String text(JsonNode node, String field, Path file) throws IOException {
    JsonNode value = node.get(field);
    if (value == null || !value.isTextual()) {
      throw new IOException("Commit record " + file + " has a publication without " + field);
    }
    return value.asText();
  }
}
