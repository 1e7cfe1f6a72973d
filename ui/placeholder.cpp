namespace qs { int quantuiPlaceholder() { return 0; } }
