package dev.ringkv.manager.replication;

/**
 * Told when this manager becomes the group's leader, every earlier change applied, and when it
 * stops being the leader. Called on the group's own threads: it must not wait for a change to
 * apply.
 */
public interface LeadershipListener {

  void gained();

  void lost();
}
