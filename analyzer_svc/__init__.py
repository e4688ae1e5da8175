"""The analyzer service: workers that take analysis tasks from the queue and run them."""
