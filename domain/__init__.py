"""The pure domain of eduplan: message validation and the deciders. No I/O, no clock."""
