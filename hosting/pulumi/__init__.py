"""A subscription's resources exported as a Pulumi program (``pulumi_aws``)."""
