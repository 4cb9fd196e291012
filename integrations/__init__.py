"""Built-in plugins, one package per domain. They load through the same path as any third-party plugin."""
