package io.pagedstream.kafka.embedded;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialAlteration;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;

/**
 * Brings the SCRAM users of a reused data directory in line with the configured ones. A fresh
 * directory gets them when it is formatted; an existing one keeps whatever it had, so users added
 * or passwords changed since then are written through the Admin API (as the super user, whose
 * password must match).
 */
final class ScramUsers {

  /** Kafka's default and minimum for SCRAM-SHA-256. */
  private static final int ITERATIONS = 4096;

  private ScramUsers() {}

  static void upsert(
      Map<String, Object> superUserClientProperties, SaslSecurity security, Path dataDir) {
    List<UserScramCredentialAlteration> upserts =
        security.allUsers().stream()
            .<UserScramCredentialAlteration>map(
                user ->
                    new UserScramCredentialUpsertion(
                        user.username(),
                        new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_256, ITERATIONS),
                        user.password()))
            .toList();
    try (Admin admin = Admin.create(superUserClientProperties)) {
      admin.alterUserScramCredentials(upserts).all().get();
    } catch (ExecutionException e) {
      // Typically a directory formatted without security or with another super user password.
      throw new EmbeddedKafkaException(
          "Cannot update the SCRAM users of the Kafka data in "
              + dataDir
              + " as super user '"
              + security.superUser().username()
              + "': "
              + e.getCause().getMessage(),
          e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new EmbeddedKafkaException("Interrupted while updating SCRAM users", e);
    }
  }
}
