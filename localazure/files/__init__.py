"""localazure's File service: Azure Files' REST API (shares, directories, files, ranges, share snapshots, Copy File)
on 127.0.0.1, authorized as Azure authorizes it (Shared Key, SAS, or an Entra token with the backup intent and the
File Data Privileged roles). Azurite has no File service, so this one is localazure's own."""
