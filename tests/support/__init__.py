"""What many tests share: free ports, servers in a thread, deterministic fakes."""
