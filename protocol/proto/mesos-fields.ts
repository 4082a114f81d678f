/**
 * The wire facts of Mesos's v1 types from include/mesos/v1/mesos.proto
 * (package mesos.v1): for each message, its fields as
 * `name=number:type` (`!` required, `[]` repeated, `{key}` a map keyed by
 * that scalar), and for each enum its `NAME=number` values. Types are
 * named relative to mesos.v1, nested ones with dots (`Resource.DiskInfo`).
 * The messages the JSON codec models (json/mesos.ts) carry the fields it
 * models; the parts it passes through as JSON ('any') are here whole, so
 * they travel in protobuf too. Read by schema.ts, which builds the
 * protobufjs types from it.
 */
export const MESOS_MESSAGES: Readonly<Record<string, string>> = {
  'Address': 'hostname=1:string ip=2:string port=3:int32!',
  'AgentID': 'value=1:string!',
  'AgentInfo': 'hostname=1:string! port=8:int32 resources=3:Resource[] attributes=5:Attribute[] id=6:AgentID domain=10:DomainInfo',
  'AgentInfo.Capability': 'type=1:AgentInfo.Capability.Type',
  'Attribute': 'name=1:string! type=2:Value.Type! scalar=3:Value.Scalar ranges=4:Value.Ranges set=6:Value.Set text=5:Value.Text',
  'CSIPluginContainerInfo': 'services=1:CSIPluginContainerInfo.Service[] command=2:CommandInfo resources=3:Resource[] container=4:ContainerInfo',
  'CSIPluginEndpoint': 'csi_service=1:CSIPluginContainerInfo.Service! endpoint=2:string!',
  'CSIPluginInfo': `
    type=1:string! name=2:string containers=3:CSIPluginContainerInfo[] endpoints=4:CSIPluginEndpoint[] target_path_root=5:string
    target_path_exists=6:bool`,
  'CapabilityInfo': 'capabilities=1:CapabilityInfo.Capability[]',
  'CgroupInfo': 'net_cls=1:CgroupInfo.NetCls',
  'CgroupInfo.Blkio.CFQ.Statistics': `
    device=1:Device.Number sectors=2:uint64 time=3:uint64 io_serviced=4:CgroupInfo.Blkio.Value[] io_service_bytes=5:CgroupInfo.Blkio.Value[]
    io_service_time=6:CgroupInfo.Blkio.Value[] io_wait_time=7:CgroupInfo.Blkio.Value[] io_merged=8:CgroupInfo.Blkio.Value[]
    io_queued=9:CgroupInfo.Blkio.Value[]`,
  'CgroupInfo.Blkio.Statistics': `
    cfq=1:CgroupInfo.Blkio.CFQ.Statistics[] cfq_recursive=2:CgroupInfo.Blkio.CFQ.Statistics[]
    throttling=3:CgroupInfo.Blkio.Throttling.Statistics[]`,
  'CgroupInfo.Blkio.Throttling.Statistics': 'device=1:Device.Number io_serviced=2:CgroupInfo.Blkio.Value[] io_service_bytes=3:CgroupInfo.Blkio.Value[]',
  'CgroupInfo.Blkio.Value': 'op=1:CgroupInfo.Blkio.Operation value=2:uint64',
  'CgroupInfo.NetCls': 'classid=1:uint32',
  'CheckInfo': `
    type=1:CheckInfo.Type command=2:CheckInfo.Command http=3:CheckInfo.Http tcp=7:CheckInfo.Tcp delay_seconds=4:double interval_seconds=5:double
    timeout_seconds=6:double`,
  'CheckInfo.Command': 'command=1:CommandInfo!',
  'CheckInfo.Http': 'port=1:uint32! path=2:string',
  'CheckInfo.Tcp': 'port=1:uint32!',
  'CheckStatusInfo': 'type=1:CheckInfo.Type command=2:CheckStatusInfo.Command http=3:CheckStatusInfo.Http tcp=4:CheckStatusInfo.Tcp',
  'CheckStatusInfo.Command': 'exit_code=1:int32',
  'CheckStatusInfo.Http': 'status_code=1:uint32',
  'CheckStatusInfo.Tcp': 'succeeded=1:bool',
  'CommandInfo': 'uris=1:CommandInfo.URI[] environment=2:Environment shell=6:bool value=3:string arguments=7:string[] user=5:string',
  'CommandInfo.URI': 'value=1:string! executable=2:bool extract=3:bool cache=4:bool output_file=5:string',
  'ContainerID': 'value=1:string! parent=2:ContainerID',
  'ContainerInfo': `
    type=1:ContainerInfo.Type! volumes=2:Volume[] hostname=4:string docker=3:ContainerInfo.DockerInfo mesos=5:ContainerInfo.MesosInfo
    network_infos=7:NetworkInfo[] linux_info=8:LinuxInfo rlimit_info=9:RLimitInfo tty_info=10:TTYInfo`,
  'ContainerInfo.DockerInfo': `
    image=1:string! network=2:ContainerInfo.DockerInfo.Network port_mappings=3:ContainerInfo.DockerInfo.PortMapping[] privileged=4:bool
    parameters=5:Parameter[] force_pull_image=6:bool volume_driver=7:string`,
  'ContainerInfo.DockerInfo.PortMapping': 'host_port=1:uint32! container_port=2:uint32! protocol=3:string',
  'ContainerInfo.MesosInfo': 'image=1:Image',
  'ContainerStatus': 'container_id=4:ContainerID network_infos=1:NetworkInfo[] cgroup_info=2:CgroupInfo executor_pid=3:uint32',
  'Credential': 'principal=1:string! secret=2:string',
  'Device.Number': 'major_number=1:uint64! minor_number=2:uint64!',
  'DiscoveryInfo': `
    visibility=1:DiscoveryInfo.Visibility! name=2:string environment=3:string location=4:string version=5:string ports=6:Ports labels=7:Labels`,
  'DiskStatistics': 'source=1:Resource.DiskInfo.Source persistence=2:Resource.DiskInfo.Persistence limit_bytes=3:uint64 used_bytes=4:uint64',
  'DomainInfo': 'fault_domain=1:DomainInfo.FaultDomain',
  'DomainInfo.FaultDomain': 'region=1:DomainInfo.FaultDomain.RegionInfo! zone=2:DomainInfo.FaultDomain.ZoneInfo!',
  'DomainInfo.FaultDomain.RegionInfo': 'name=1:string!',
  'DomainInfo.FaultDomain.ZoneInfo': 'name=1:string!',
  'DrainConfig': 'max_grace_period=1:DurationInfo mark_gone=2:bool',
  'DrainInfo': 'state=1:DrainState! config=2:DrainConfig!',
  'DurationInfo': 'nanoseconds=1:int64!',
  'Environment': 'variables=1:Environment.Variable[]',
  'Environment.Variable': 'name=1:string! type=3:Environment.Variable.Type value=2:string secret=4:Secret',
  'ExecutorID': 'value=1:string!',
  'ExecutorInfo': `
    type=15:ExecutorInfo.Type executor_id=1:ExecutorID! framework_id=8:FrameworkID command=7:CommandInfo container=11:ContainerInfo
    resources=5:Resource[] name=9:string source=10:string data=4:bytes discovery=12:DiscoveryInfo shutdown_grace_period=13:DurationInfo
    labels=14:Labels`,
  'FileInfo': 'path=1:string! nlink=2:int32 size=3:uint64 mtime=4:TimeInfo mode=5:uint32 uid=6:string gid=7:string',
  'Filters': 'refuse_seconds=1:double',
  'Flag': 'name=1:string! value=2:string',
  'FrameworkID': 'value=1:string!',
  'FrameworkInfo': `
    user=1:string! name=2:string! id=3:FrameworkID failover_timeout=4:double checkpoint=5:bool role=6:string roles=12:string[] hostname=7:string
    principal=8:string webui_url=9:string capabilities=10:FrameworkInfo.Capability[] labels=11:Labels offer_filters=13:OfferFilters{string}`,
  'FrameworkInfo.Capability': 'type=1:FrameworkInfo.Capability.Type',
  'HealthCheck': `
    delay_seconds=2:double interval_seconds=3:double timeout_seconds=4:double consecutive_failures=5:uint32 grace_period_seconds=6:double
    type=8:HealthCheck.Type command=7:CommandInfo http=1:HealthCheck.HTTPCheckInfo tcp=9:HealthCheck.TCPCheckInfo`,
  'HealthCheck.HTTPCheckInfo': 'protocol=5:NetworkInfo.Protocol scheme=3:string port=1:uint32! path=2:string statuses=4:uint32[]',
  'HealthCheck.TCPCheckInfo': 'protocol=2:NetworkInfo.Protocol port=1:uint32!',
  'IcmpStatistics': `
    InMsgs=1:int64 InErrors=2:int64 InCsumErrors=3:int64 InDestUnreachs=4:int64 InTimeExcds=5:int64 InParmProbs=6:int64 InSrcQuenchs=7:int64
    InRedirects=8:int64 InEchos=9:int64 InEchoReps=10:int64 InTimestamps=11:int64 InTimestampReps=12:int64 InAddrMasks=13:int64
    InAddrMaskReps=14:int64 OutMsgs=15:int64 OutErrors=16:int64 OutDestUnreachs=17:int64 OutTimeExcds=18:int64 OutParmProbs=19:int64
    OutSrcQuenchs=20:int64 OutRedirects=21:int64 OutEchos=22:int64 OutEchoReps=23:int64 OutTimestamps=24:int64 OutTimestampReps=25:int64
    OutAddrMasks=26:int64 OutAddrMaskReps=27:int64`,
  'Image': 'type=1:Image.Type! appc=2:Image.Appc docker=3:Image.Docker cached=4:bool',
  'Image.Appc': 'name=1:string! id=2:string labels=3:Labels',
  'Image.Docker': 'name=1:string! credential=2:Credential config=3:Secret',
  'InverseOffer': 'id=1:OfferID! url=2:URL framework_id=3:FrameworkID! agent_id=4:AgentID unavailability=5:Unavailability! resources=6:Resource[]',
  'IpStatistics': `
    Forwarding=1:int64 DefaultTTL=2:int64 InReceives=3:int64 InHdrErrors=4:int64 InAddrErrors=5:int64 ForwDatagrams=6:int64
    InUnknownProtos=7:int64 InDiscards=8:int64 InDelivers=9:int64 OutRequests=10:int64 OutDiscards=11:int64 OutNoRoutes=12:int64
    ReasmTimeout=13:int64 ReasmReqds=14:int64 ReasmOKs=15:int64 ReasmFails=16:int64 FragOKs=17:int64 FragFails=18:int64 FragCreates=19:int64`,
  'KillPolicy': 'grace_period=1:DurationInfo',
  'Label': 'key=1:string! value=2:string',
  'Labels': 'labels=1:Label[]',
  'LinuxInfo': `
    capability_info=1:CapabilityInfo bounding_capabilities=2:CapabilityInfo effective_capabilities=3:CapabilityInfo share_pid_namespace=4:bool
    seccomp=5:SeccompInfo ipc_mode=6:LinuxInfo.IpcMode shm_size=7:uint32 share_cgroups=8:bool`,
  'MachineID': 'hostname=1:string ip=2:string',
  'MasterInfo': `
    id=1:string! ip=2:uint32! port=3:uint32! pid=4:string hostname=5:string version=6:string address=7:Address domain=8:DomainInfo
    capabilities=9:MasterInfo.Capability[]`,
  'MasterInfo.Capability': 'type=1:MasterInfo.Capability.Type',
  'Metric': 'name=1:string! value=2:double',
  'MountPropagation': 'mode=1:MountPropagation.Mode',
  'NetworkInfo': 'ip_addresses=5:NetworkInfo.IPAddress[] name=6:string groups=3:string[] labels=4:Labels port_mappings=7:NetworkInfo.PortMapping[]',
  'NetworkInfo.IPAddress': 'protocol=1:NetworkInfo.Protocol ip_address=2:string',
  'NetworkInfo.PortMapping': 'host_port=1:uint32! container_port=2:uint32! protocol=3:string',
  'Offer': `
    id=1:OfferID! framework_id=2:FrameworkID! agent_id=3:AgentID! hostname=4:string! url=8:URL domain=11:DomainInfo resources=5:Resource[]
    attributes=7:Attribute[] executor_ids=6:ExecutorID[] unavailability=9:Unavailability allocation_info=10:Resource.AllocationInfo`,
  'Offer.Operation': `
    type=1:Offer.Operation.Type id=12:OperationID launch=2:Offer.Operation.Launch launch_group=7:Offer.Operation.LaunchGroup
    reserve=3:Offer.Operation.Reserve unreserve=4:Offer.Operation.Unreserve create=5:Offer.Operation.Create destroy=6:Offer.Operation.Destroy
    grow_volume=13:Offer.Operation.GrowVolume shrink_volume=14:Offer.Operation.ShrinkVolume`,
  'Offer.Operation.GrowVolume': 'volume=1:Resource! addition=2:Resource!',
  'Offer.Operation.ShrinkVolume': 'volume=1:Resource! subtract=2:Value.Scalar!',
  'Offer.Operation.Create': 'volumes=1:Resource[]',
  'Offer.Operation.Destroy': 'volumes=1:Resource[]',
  'Offer.Operation.Launch': 'task_infos=1:TaskInfo[]',
  'Offer.Operation.LaunchGroup': 'executor=1:ExecutorInfo! task_group=2:TaskGroupInfo!',
  'Offer.Operation.Reserve': 'source=2:Resource[] resources=1:Resource[]',
  'Offer.Operation.Unreserve': 'resources=1:Resource[]',
  'OfferFilters': 'min_allocatable_resources=1:OfferFilters.MinAllocatableResources',
  'OfferFilters.MinAllocatableResources': 'quantities=1:OfferFilters.ResourceQuantities[]',
  'OfferFilters.ResourceQuantities': 'quantities=1:Value.Scalar{string}',
  'OfferID': 'value=1:string!',
  'Operation': `
    framework_id=1:FrameworkID agent_id=2:AgentID info=3:Offer.Operation! latest_status=4:OperationStatus! statuses=5:OperationStatus[]
    uuid=6:UUID!`,
  'OperationID': 'value=1:string!',
  'OperationStatus': `
    operation_id=1:OperationID state=2:OperationState! message=3:string converted_resources=4:Resource[] uuid=5:UUID agent_id=6:AgentID
    resource_provider_id=7:ResourceProviderID`,
  'Parameter': 'key=1:string! value=2:string!',
  'Parameters': 'parameter=1:Parameter[]',
  'PerfStatistics': `
    timestamp=1:double! duration=2:double! cycles=3:uint64 stalled_cycles_frontend=4:uint64 stalled_cycles_backend=5:uint64
    instructions=6:uint64 cache_references=7:uint64 cache_misses=8:uint64 branches=9:uint64 branch_misses=10:uint64 bus_cycles=11:uint64
    ref_cycles=12:uint64 cpu_clock=13:double task_clock=14:double page_faults=15:uint64 minor_faults=16:uint64 major_faults=17:uint64
    context_switches=18:uint64 cpu_migrations=19:uint64 alignment_faults=20:uint64 emulation_faults=21:uint64 l1_dcache_loads=22:uint64
    l1_dcache_load_misses=23:uint64 l1_dcache_stores=24:uint64 l1_dcache_store_misses=25:uint64 l1_dcache_prefetches=26:uint64
    l1_dcache_prefetch_misses=27:uint64 l1_icache_loads=28:uint64 l1_icache_load_misses=29:uint64 l1_icache_prefetches=30:uint64
    l1_icache_prefetch_misses=31:uint64 llc_loads=32:uint64 llc_load_misses=33:uint64 llc_stores=34:uint64 llc_store_misses=35:uint64
    llc_prefetches=36:uint64 llc_prefetch_misses=37:uint64 dtlb_loads=38:uint64 dtlb_load_misses=39:uint64 dtlb_stores=40:uint64
    dtlb_store_misses=41:uint64 dtlb_prefetches=42:uint64 dtlb_prefetch_misses=43:uint64 itlb_loads=44:uint64 itlb_load_misses=45:uint64
    branch_loads=46:uint64 branch_load_misses=47:uint64 node_loads=48:uint64 node_load_misses=49:uint64 node_stores=50:uint64
    node_store_misses=51:uint64 node_prefetches=52:uint64 node_prefetch_misses=53:uint64`,
  'Port': 'number=1:uint32! name=2:string protocol=3:string visibility=4:DiscoveryInfo.Visibility labels=5:Labels',
  'Ports': 'ports=1:Port[]',
  'RLimitInfo': 'rlimits=1:RLimitInfo.RLimit[]',
  'RLimitInfo.RLimit': 'type=1:RLimitInfo.RLimit.Type hard=2:uint64 soft=3:uint64',
  'Resource': `
    provider_id=12:ResourceProviderID name=1:string! type=2:Value.Type! scalar=3:Value.Scalar ranges=4:Value.Ranges set=5:Value.Set
    role=6:string allocation_info=11:Resource.AllocationInfo reservation=8:Resource.ReservationInfo reservations=13:Resource.ReservationInfo[]
    disk=7:Resource.DiskInfo revocable=9:Resource.RevocableInfo shared=10:Resource.SharedInfo`,
  'Resource.AllocationInfo': 'role=1:string',
  'Resource.DiskInfo': 'persistence=1:Resource.DiskInfo.Persistence volume=2:Volume source=3:Resource.DiskInfo.Source',
  'Resource.DiskInfo.Persistence': 'id=1:string! principal=2:string',
  'Resource.DiskInfo.Source': `
    type=1:Resource.DiskInfo.Source.Type! path=2:Resource.DiskInfo.Source.Path mount=3:Resource.DiskInfo.Source.Mount vendor=7:string
    id=4:string metadata=5:Labels profile=6:string`,
  'Resource.DiskInfo.Source.Mount': 'root=1:string',
  'Resource.DiskInfo.Source.Path': 'root=1:string',
  'Resource.ReservationInfo': 'type=4:Resource.ReservationInfo.Type role=3:string principal=1:string labels=2:Labels',
  'Resource.RevocableInfo': '',
  'Resource.SharedInfo': '',
  'ResourceProviderID': 'value=1:string!',
  'ResourceProviderInfo': `
    id=1:ResourceProviderID attributes=2:Attribute[] type=3:string! name=4:string! default_reservations=5:Resource.ReservationInfo[]
    storage=6:ResourceProviderInfo.Storage`,
  'ResourceProviderInfo.Storage': 'plugin=1:CSIPluginInfo! reconciliation_interval_seconds=2:double',
  'ResourceStatistics': `
    timestamp=1:double! processes=30:uint32 threads=31:uint32 cpus_user_time_secs=2:double cpus_system_time_secs=3:double cpus_limit=4:double
    cpus_soft_limit=45:double cpus_nr_periods=7:uint32 cpus_nr_throttled=8:uint32 cpus_throttled_time_secs=9:double mem_total_bytes=36:uint64
    mem_total_memsw_bytes=37:uint64 mem_kmem_usage_bytes=52:uint64 mem_kmem_tcp_usage_bytes=53:uint64 mem_limit_bytes=6:uint64
    mem_soft_limit_bytes=38:uint64 mem_file_bytes=10:uint64 mem_anon_bytes=11:uint64 mem_cache_bytes=39:uint64 mem_rss_bytes=5:uint64
    mem_mapped_file_bytes=12:uint64 mem_swap_bytes=40:uint64 mem_unevictable_bytes=41:uint64 mem_low_pressure_counter=32:uint64
    mem_medium_pressure_counter=33:uint64 mem_critical_pressure_counter=34:uint64 disk_limit_bytes=26:uint64 disk_used_bytes=27:uint64
    disk_statistics=43:DiskStatistics[] blkio_statistics=44:CgroupInfo.Blkio.Statistics perf=13:PerfStatistics net_rx_packets=14:uint64
    net_rx_bytes=15:uint64 net_rx_errors=16:uint64 net_rx_dropped=17:uint64 net_tx_packets=18:uint64 net_tx_bytes=19:uint64
    net_tx_errors=20:uint64 net_tx_dropped=21:uint64 net_tx_rate_limit=46:uint64 net_tx_burst_rate_limit=47:uint64 net_tx_burst_size=48:uint64
    net_rx_rate_limit=49:uint64 net_rx_burst_rate_limit=50:uint64 net_rx_burst_size=51:uint64
    net_rate_statistics=54:ResourceStatistics.RateStatistics net_ephemeral_ports=55:Value.Range net_tcp_rtt_microsecs_p50=22:double
    net_tcp_rtt_microsecs_p90=23:double net_tcp_rtt_microsecs_p95=24:double net_tcp_rtt_microsecs_p99=25:double
    net_tcp_active_connections=28:double net_tcp_time_wait_connections=29:double net_traffic_control_statistics=35:TrafficControlStatistics[]
    net_snmp_statistics=42:SNMPStatistics`,
  'ResourceStatistics.RatePercentiles': `
    min=1:uint64 max=2:uint64 p50=3:uint64 p90=4:uint64 p95=5:uint64 p99=6:uint64 p999=7:uint64 p9999=8:uint64 samples=9:uint64`,
  'ResourceStatistics.RateStatistics': `
    rx_rate=1:ResourceStatistics.RatePercentiles rx_packet_rate=2:ResourceStatistics.RatePercentiles
    rx_drop_rate=3:ResourceStatistics.RatePercentiles rx_error_rate=4:ResourceStatistics.RatePercentiles
    tx_rate=5:ResourceStatistics.RatePercentiles tx_packet_rate=6:ResourceStatistics.RatePercentiles
    tx_drop_rate=7:ResourceStatistics.RatePercentiles tx_error_rate=8:ResourceStatistics.RatePercentiles sampling_window_secs=9:double
    sampling_interval_secs=10:double`,
  'Role': 'name=1:string! weight=2:double! frameworks=3:FrameworkID[] resources=4:Resource[]',
  'SNMPStatistics': 'ip_stats=1:IpStatistics icmp_stats=2:IcmpStatistics tcp_stats=3:TcpStatistics udp_stats=4:UdpStatistics',
  'SeccompInfo': 'profile_name=1:string unconfined=2:bool',
  'Secret': 'type=1:Secret.Type reference=2:Secret.Reference value=3:Secret.Value',
  'Secret.Reference': 'name=1:string! key=2:string',
  'Secret.Value': 'data=1:bytes!',
  'TTYInfo': 'window_size=1:TTYInfo.WindowSize',
  'TTYInfo.WindowSize': 'rows=1:uint32! columns=2:uint32!',
  'Task': `
    name=1:string! task_id=2:TaskID! framework_id=3:FrameworkID! executor_id=4:ExecutorID agent_id=5:AgentID! state=6:TaskState!
    resources=7:Resource[] statuses=8:TaskStatus[] status_update_state=9:TaskState status_update_uuid=10:bytes labels=11:Labels
    discovery=12:DiscoveryInfo container=13:ContainerInfo health_check=15:HealthCheck kill_policy=16:KillPolicy user=14:string`,
  'TaskGroupInfo': 'tasks=1:TaskInfo[]',
  'TaskID': 'value=1:string!',
  'TaskInfo': `
    name=1:string! task_id=2:TaskID! agent_id=3:AgentID! resources=4:Resource[] executor=5:ExecutorInfo command=7:CommandInfo
    container=9:ContainerInfo health_check=8:HealthCheck check=13:CheckInfo kill_policy=12:KillPolicy data=6:bytes labels=10:Labels
    discovery=11:DiscoveryInfo max_completion_time=14:DurationInfo`,
  'TaskResourceLimitation': 'resources=1:Resource[]',
  'TaskStatus': `
    task_id=1:TaskID! state=2:TaskState! message=4:string source=9:TaskStatus.Source reason=10:TaskStatus.Reason data=3:bytes agent_id=5:AgentID
    executor_id=7:ExecutorID timestamp=6:double uuid=11:bytes healthy=8:bool check_status=15:CheckStatusInfo labels=12:Labels
    container_status=13:ContainerStatus unreachable_time=14:TimeInfo limitation=16:TaskResourceLimitation`,
  'TcpStatistics': `
    RtoAlgorithm=1:int64 RtoMin=2:int64 RtoMax=3:int64 MaxConn=4:int64 ActiveOpens=5:int64 PassiveOpens=6:int64 AttemptFails=7:int64
    EstabResets=8:int64 CurrEstab=9:int64 InSegs=10:int64 OutSegs=11:int64 RetransSegs=12:int64 InErrs=13:int64 OutRsts=14:int64
    InCsumErrors=15:int64`,
  'TimeInfo': 'nanoseconds=1:int64!',
  'TrafficControlStatistics': `
    id=1:string! backlog=2:uint64 bytes=3:uint64 drops=4:uint64 overlimits=5:uint64 packets=6:uint64 qlen=7:uint64 ratebps=8:uint64
    ratepps=9:uint64 requeues=10:uint64`,
  'URL': 'scheme=1:string! address=2:Address! path=3:string query=4:Parameter[] fragment=5:string',
  'UUID': 'value=1:bytes!',
  'UdpStatistics': `
    InDatagrams=1:int64 NoPorts=2:int64 InErrors=3:int64 OutDatagrams=4:int64 RcvbufErrors=5:int64 SndbufErrors=6:int64 InCsumErrors=7:int64
    IgnoredMulti=8:int64`,
  'Unavailability': 'start=1:TimeInfo! duration=2:DurationInfo',
  'Value.Range': 'begin=1:uint64! end=2:uint64!',
  'Value.Ranges': 'range=1:Value.Range[]',
  'Value.Scalar': 'value=1:double!',
  'Value.Set': 'item=1:string[]',
  'Value.Text': 'value=1:string!',
  'VersionInfo': 'version=1:string! build_date=2:string build_time=3:double build_user=4:string git_sha=5:string git_branch=6:string git_tag=7:string',
  'Volume': 'mode=3:Volume.Mode! container_path=1:string! host_path=2:string image=4:Image source=5:Volume.Source',
  'Volume.Source': `
    type=1:Volume.Source.Type docker_volume=2:Volume.Source.DockerVolume host_path=5:Volume.Source.HostPath
    sandbox_path=3:Volume.Source.SandboxPath secret=4:Secret csi_volume=6:Volume.Source.CSIVolume`,
  'Volume.Source.CSIVolume': 'plugin_name=1:string! static_provisioning=2:Volume.Source.CSIVolume.StaticProvisioning',
  'Volume.Source.CSIVolume.StaticProvisioning': `
    volume_id=1:string! volume_capability=2:Volume.Source.CSIVolume.VolumeCapability! node_stage_secrets=3:Secret{string}
    node_publish_secrets=4:Secret{string} volume_context=5:string{string}`,
  'Volume.Source.CSIVolume.VolumeCapability': `
    block=1:Volume.Source.CSIVolume.VolumeCapability.BlockVolume mount=2:Volume.Source.CSIVolume.VolumeCapability.MountVolume
    access_mode=3:Volume.Source.CSIVolume.VolumeCapability.AccessMode!`,
  'Volume.Source.CSIVolume.VolumeCapability.AccessMode': 'mode=1:Volume.Source.CSIVolume.VolumeCapability.AccessMode.Mode!',
  'Volume.Source.CSIVolume.VolumeCapability.BlockVolume': '',
  'Volume.Source.CSIVolume.VolumeCapability.MountVolume': 'fs_type=1:string mount_flags=2:string[]',
  'Volume.Source.DockerVolume': 'driver=1:string name=2:string! driver_options=3:Parameters',
  'Volume.Source.HostPath': 'path=1:string! mount_propagation=2:MountPropagation',
  'Volume.Source.SandboxPath': 'type=1:Volume.Source.SandboxPath.Type path=2:string!',
  'WeightInfo': 'weight=1:double! role=2:string',
};

export const MESOS_ENUMS: Readonly<Record<string, string>> = {
  'AgentInfo.Capability.Type': `
    UNKNOWN=0 MULTI_ROLE=1 HIERARCHICAL_ROLE=2 RESERVATION_REFINEMENT=3 RESOURCE_PROVIDER=4 RESIZE_VOLUME=5 AGENT_OPERATION_FEEDBACK=6
    AGENT_DRAINING=7 TASK_RESOURCE_LIMITS=8`,
  'CSIPluginContainerInfo.Service': 'UNKNOWN=0 CONTROLLER_SERVICE=1 NODE_SERVICE=2',
  'CapabilityInfo.Capability': `
    UNKNOWN=0 CHOWN=1000 DAC_OVERRIDE=1001 DAC_READ_SEARCH=1002 FOWNER=1003 FSETID=1004 KILL=1005 SETGID=1006 SETUID=1007 SETPCAP=1008
    LINUX_IMMUTABLE=1009 NET_BIND_SERVICE=1010 NET_BROADCAST=1011 NET_ADMIN=1012 NET_RAW=1013 IPC_LOCK=1014 IPC_OWNER=1015 SYS_MODULE=1016
    SYS_RAWIO=1017 SYS_CHROOT=1018 SYS_PTRACE=1019 SYS_PACCT=1020 SYS_ADMIN=1021 SYS_BOOT=1022 SYS_NICE=1023 SYS_RESOURCE=1024 SYS_TIME=1025
    SYS_TTY_CONFIG=1026 MKNOD=1027 LEASE=1028 AUDIT_WRITE=1029 AUDIT_CONTROL=1030 SETFCAP=1031 MAC_OVERRIDE=1032 MAC_ADMIN=1033 SYSLOG=1034
    WAKE_ALARM=1035 BLOCK_SUSPEND=1036 AUDIT_READ=1037 PERFMON=1038 BPF=1039 CHECKPOINT_RESTORE=1040`,
  'CgroupInfo.Blkio.Operation': 'UNKNOWN=0 TOTAL=1 READ=2 WRITE=3 SYNC=4 ASYNC=5 DISCARD=6',
  'CheckInfo.Type': 'UNKNOWN=0 COMMAND=1 HTTP=2 TCP=3',
  'ContainerInfo.DockerInfo.Network': 'HOST=1 BRIDGE=2 NONE=3 USER=4',
  'ContainerInfo.Type': 'DOCKER=1 MESOS=2',
  'DiscoveryInfo.Visibility': 'FRAMEWORK=0 CLUSTER=1 EXTERNAL=2',
  'DrainState': 'UNKNOWN=0 DRAINING=1 DRAINED=2',
  'Environment.Variable.Type': 'UNKNOWN=0 VALUE=1 SECRET=2',
  'ExecutorInfo.Type': 'UNKNOWN=0 DEFAULT=1 CUSTOM=2',
  'FrameworkInfo.Capability.Type': `
    UNKNOWN=0 REVOCABLE_RESOURCES=1 TASK_KILLING_STATE=2 GPU_RESOURCES=3 SHARED_RESOURCES=4 PARTITION_AWARE=5 MULTI_ROLE=6
    RESERVATION_REFINEMENT=7 REGION_AWARE=8`,
  'HealthCheck.Type': 'UNKNOWN=0 COMMAND=1 HTTP=2 TCP=3',
  'Image.Type': 'APPC=1 DOCKER=2',
  'LinuxInfo.IpcMode': 'UNKNOWN=0 PRIVATE=1 SHARE_PARENT=2',
  'MasterInfo.Capability.Type': 'UNKNOWN=0 AGENT_UPDATE=1 AGENT_DRAINING=2 QUOTA_V2=3',
  'MountPropagation.Mode': 'UNKNOWN=0 HOST_TO_CONTAINER=1 BIDIRECTIONAL=2',
  'NetworkInfo.Protocol': 'IPv4=1 IPv6=2',
  'Offer.Operation.Type': `
    UNKNOWN=0 LAUNCH=1 LAUNCH_GROUP=6 RESERVE=2 UNRESERVE=3 CREATE=4 DESTROY=5 GROW_VOLUME=11 SHRINK_VOLUME=12 CREATE_DISK=13 DESTROY_DISK=14`,
  'OperationState': `
    OPERATION_UNSUPPORTED=0 OPERATION_PENDING=1 OPERATION_FINISHED=2 OPERATION_FAILED=3 OPERATION_ERROR=4 OPERATION_DROPPED=5
    OPERATION_UNREACHABLE=6 OPERATION_GONE_BY_OPERATOR=7 OPERATION_RECOVERING=8 OPERATION_UNKNOWN=9`,
  'RLimitInfo.RLimit.Type': `
    UNKNOWN=0 RLMT_AS=1 RLMT_CORE=2 RLMT_CPU=3 RLMT_DATA=4 RLMT_FSIZE=5 RLMT_LOCKS=6 RLMT_MEMLOCK=7 RLMT_MSGQUEUE=8 RLMT_NICE=9 RLMT_NOFILE=10
    RLMT_NPROC=11 RLMT_RSS=12 RLMT_RTPRIO=13 RLMT_RTTIME=14 RLMT_SIGPENDING=15 RLMT_STACK=16`,
  'Resource.DiskInfo.Source.Type': 'UNKNOWN=0 PATH=1 MOUNT=2 BLOCK=3 RAW=4',
  'Resource.ReservationInfo.Type': 'UNKNOWN=0 STATIC=1 DYNAMIC=2',
  'Secret.Type': 'UNKNOWN=0 REFERENCE=1 VALUE=2',
  'TaskState': `
    TASK_STAGING=6 TASK_STARTING=0 TASK_RUNNING=1 TASK_KILLING=8 TASK_FINISHED=2 TASK_FAILED=3 TASK_KILLED=4 TASK_ERROR=7 TASK_LOST=5
    TASK_DROPPED=9 TASK_UNREACHABLE=10 TASK_GONE=11 TASK_GONE_BY_OPERATOR=12 TASK_UNKNOWN=13`,
  'TaskStatus.Reason': `
    REASON_COMMAND_EXECUTOR_FAILED=0 REASON_CONTAINER_LAUNCH_FAILED=21 REASON_CONTAINER_LIMITATION=19 REASON_CONTAINER_LIMITATION_DISK=20
    REASON_CONTAINER_LIMITATION_MEMORY=8 REASON_CONTAINER_PREEMPTED=17 REASON_CONTAINER_UPDATE_FAILED=22 REASON_MAX_COMPLETION_TIME_REACHED=33
    REASON_EXECUTOR_REGISTRATION_TIMEOUT=23 REASON_EXECUTOR_REREGISTRATION_TIMEOUT=24 REASON_EXECUTOR_TERMINATED=1
    REASON_EXECUTOR_UNREGISTERED=2 REASON_FRAMEWORK_REMOVED=3 REASON_GC_ERROR=4 REASON_INVALID_FRAMEWORKID=5 REASON_INVALID_OFFERS=6
    REASON_IO_SWITCHBOARD_EXITED=27 REASON_MASTER_DISCONNECTED=7 REASON_RECONCILIATION=9 REASON_RESOURCES_UNKNOWN=18
    REASON_AGENT_DISCONNECTED=10 REASON_AGENT_DRAINING=34 REASON_AGENT_REMOVED=11 REASON_AGENT_REMOVED_BY_OPERATOR=31
    REASON_AGENT_REREGISTERED=32 REASON_AGENT_RESTARTED=12 REASON_AGENT_UNKNOWN=13 REASON_TASK_KILLED_DURING_LAUNCH=30
    REASON_TASK_CHECK_STATUS_UPDATED=28 REASON_TASK_HEALTH_CHECK_STATUS_UPDATED=29 REASON_TASK_GROUP_INVALID=25
    REASON_TASK_GROUP_UNAUTHORIZED=26 REASON_TASK_INVALID=14 REASON_TASK_UNAUTHORIZED=15 REASON_TASK_UNKNOWN=16`,
  'TaskStatus.Source': 'SOURCE_MASTER=0 SOURCE_AGENT=1 SOURCE_EXECUTOR=2',
  'Value.Type': 'SCALAR=0 RANGES=1 SET=2 TEXT=3',
  'Volume.Mode': 'RW=1 RO=2',
  'Volume.Source.CSIVolume.VolumeCapability.AccessMode.Mode': `
    UNKNOWN=0 SINGLE_NODE_WRITER=1 SINGLE_NODE_READER_ONLY=2 MULTI_NODE_READER_ONLY=3 MULTI_NODE_SINGLE_WRITER=4 MULTI_NODE_MULTI_WRITER=5`,
  'Volume.Source.SandboxPath.Type': 'UNKNOWN=0 SELF=1 PARENT=2',
  'Volume.Source.Type': 'UNKNOWN=0 DOCKER_VOLUME=1 HOST_PATH=4 SANDBOX_PATH=2 SECRET=3 CSI_VOLUME=5',
};
