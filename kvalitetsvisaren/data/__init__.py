"""The local data: the bundled snapshot or a synced directory (store), written whole or
not at all (atomic), and how fresh it is. Imports only the base modules and kolada/."""
