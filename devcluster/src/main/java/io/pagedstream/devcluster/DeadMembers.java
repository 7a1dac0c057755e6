package io.pagedstream.devcluster;

import io.pagedstream.schemas.KafkaClientSettings;
import io.pagedstream.schemas.KafkaSettings;
import java.util.Collection;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.RemoveMembersFromConsumerGroupOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Removes the consumer-group members a crashed process left on a data directory's broker. The
 * directory's lock says no other process uses this broker, so every member present before this
 * process starts its services is dead; without this, a restarted batcher waits for their sessions
 * to time out (45 s by default) before it gets its partitions. The groups are named, not listed:
 * describing a group waits for the coordinator to load it after the broker's restart, where a
 * listing may come back empty.
 */
final class DeadMembers {

  private static final Logger LOG = LoggerFactory.getLogger(DeadMembers.class);

  private DeadMembers() {}

  static void remove(KafkaSettings kafka, Collection<String> groupIds) {
    try (Admin admin =
        Admin.create(KafkaClientSettings.admin(kafka, "pagedstream-run-admin").build())) {
      for (ConsumerGroupDescription g :
          admin.describeConsumerGroups(groupIds).all().get().values()) {
        if (g.members().isEmpty()) {
          continue;
        }
        try {
          admin
              .removeMembersFromConsumerGroup(
                  g.groupId(), new RemoveMembersFromConsumerGroupOptions())
              .all()
              .get();
          LOG.info(
              "removed {} member(s) a stopped process left in group {}",
              g.members().size(),
              g.groupId());
        } catch (ExecutionException e) {
          // harmless: the members then leave when their sessions time out
          LOG.info(
              "cannot remove the old members of group {}: {}",
              g.groupId(),
              e.getCause().getMessage());
        }
      }
    } catch (ExecutionException e) {
      LOG.info("cannot describe the groups {}: {}", groupIds, e.getCause().getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while removing dead group members", e);
    }
  }
}
