"""localazure's storage account with a hierarchical namespace: the dfs endpoint and its Blob endpoint over one store."""
