"""vrest code generation: printers, numeric code, exporters and the command line."""

__version__ = "0.1.0"
