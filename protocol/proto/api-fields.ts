/**
 * The wire facts of the v1 APIs (include/mesos/v1/scheduler/scheduler.proto,
 * executor/executor.proto, master/master.proto, agent/agent.proto,
 * quota/quota.proto, maintenance/maintenance.proto, allocator/allocator.proto),
 * in the notation of mesos-fields.ts: `name=number:type`, `!` required,
 * `[]` repeated, `{key}` a map; enums as `NAME=number`. Types are named
 * relative to mesos.v1 (`scheduler.Call.Accept`, `Resource`).
 * The operation-feedback numbers (Call 17 and 18, Event 11, the Call and Event
 * enums, OperationStatus and OperationState in mesos-fields.ts) were checked
 * against apache/mesos at c1b42f79 (2024-08-23), the last commit on master.
 */
export const API_MESSAGES: Readonly<Record<string, string>> = {
  'agent.Call': `
    type=1:agent.Call.Type get_metrics=2:agent.Call.GetMetrics get_containers=20:agent.Call.GetContainers
    set_logging_level=3:agent.Call.SetLoggingLevel list_files=4:agent.Call.ListFiles read_file=5:agent.Call.ReadFile
    launch_nested_container=6:agent.Call.LaunchNestedContainer wait_nested_container=7:agent.Call.WaitNestedContainer
    kill_nested_container=8:agent.Call.KillNestedContainer remove_nested_container=12:agent.Call.RemoveNestedContainer
    launch_nested_container_session=9:agent.Call.LaunchNestedContainerSession attach_container_input=10:agent.Call.AttachContainerInput
    attach_container_output=11:agent.Call.AttachContainerOutput launch_container=13:agent.Call.LaunchContainer
    wait_container=14:agent.Call.WaitContainer kill_container=15:agent.Call.KillContainer remove_container=16:agent.Call.RemoveContainer
    add_resource_provider_config=17:agent.Call.AddResourceProviderConfig
    update_resource_provider_config=18:agent.Call.UpdateResourceProviderConfig
    remove_resource_provider_config=19:agent.Call.RemoveResourceProviderConfig
    mark_resource_provider_gone=22:agent.Call.MarkResourceProviderGone prune_images=21:agent.Call.PruneImages`,
  'agent.Call.AddResourceProviderConfig': 'info=1:ResourceProviderInfo!',
  'agent.Call.AttachContainerInput': 'type=1:agent.Call.AttachContainerInput.Type container_id=2:ContainerID process_io=3:agent.ProcessIO',
  'agent.Call.AttachContainerOutput': 'container_id=1:ContainerID!',
  'agent.Call.GetContainers': 'show_nested=1:bool show_standalone=2:bool',
  'agent.Call.GetMetrics': 'timeout=1:DurationInfo',
  'agent.Call.KillContainer': 'container_id=1:ContainerID! signal=2:int32',
  'agent.Call.KillNestedContainer': 'container_id=1:ContainerID! signal=2:int32',
  'agent.Call.LaunchContainer': `
    container_id=1:ContainerID! command=2:CommandInfo resources=3:Resource[] container=4:ContainerInfo limits=5:Value.Scalar{string}`,
  'agent.Call.LaunchNestedContainer': 'container_id=1:ContainerID! command=2:CommandInfo container=3:ContainerInfo',
  'agent.Call.LaunchNestedContainerSession': 'container_id=1:ContainerID! command=2:CommandInfo container=3:ContainerInfo',
  'agent.Call.ListFiles': 'path=1:string!',
  'agent.Call.MarkResourceProviderGone': 'resource_provider_id=1:ResourceProviderID!',
  'agent.Call.PruneImages': 'excluded_images=1:Image[]',
  'agent.Call.ReadFile': 'path=1:string! offset=2:uint64! length=3:uint64',
  'agent.Call.RemoveContainer': 'container_id=1:ContainerID!',
  'agent.Call.RemoveNestedContainer': 'container_id=1:ContainerID!',
  'agent.Call.RemoveResourceProviderConfig': 'type=1:string! name=2:string!',
  'agent.Call.SetLoggingLevel': 'level=1:uint32! duration=2:DurationInfo!',
  'agent.Call.UpdateResourceProviderConfig': 'info=1:ResourceProviderInfo!',
  'agent.Call.WaitContainer': 'container_id=1:ContainerID!',
  'agent.Call.WaitNestedContainer': 'container_id=1:ContainerID!',
  'agent.ProcessIO': 'type=1:agent.ProcessIO.Type data=2:agent.ProcessIO.Data control=3:agent.ProcessIO.Control',
  'agent.ProcessIO.Control': 'type=1:agent.ProcessIO.Control.Type tty_info=2:TTYInfo heartbeat=3:agent.ProcessIO.Control.Heartbeat',
  'agent.ProcessIO.Control.Heartbeat': 'interval=1:DurationInfo',
  'agent.ProcessIO.Data': 'type=1:agent.ProcessIO.Data.Type data=2:bytes',
  'agent.Response': `
    type=1:agent.Response.Type get_health=2:agent.Response.GetHealth get_flags=3:agent.Response.GetFlags get_version=4:agent.Response.GetVersion
    get_metrics=5:agent.Response.GetMetrics get_logging_level=6:agent.Response.GetLoggingLevel list_files=7:agent.Response.ListFiles
    read_file=8:agent.Response.ReadFile get_state=9:agent.Response.GetState get_containers=10:agent.Response.GetContainers
    get_frameworks=11:agent.Response.GetFrameworks get_executors=12:agent.Response.GetExecutors get_tasks=13:agent.Response.GetTasks
    get_agent=15:agent.Response.GetAgent get_operations=18:agent.Response.GetOperations
    get_resource_providers=17:agent.Response.GetResourceProviders wait_nested_container=14:agent.Response.WaitNestedContainer
    wait_container=16:agent.Response.WaitContainer`,
  'agent.Response.GetAgent': 'agent_info=1:AgentInfo drain_config=2:DrainConfig estimated_drain_start_time=3:TimeInfo',
  'agent.Response.GetContainers': 'containers=1:agent.Response.GetContainers.Container[]',
  'agent.Response.GetContainers.Container': `
    framework_id=1:FrameworkID executor_id=2:ExecutorID executor_name=3:string container_id=4:ContainerID! container_status=5:ContainerStatus
    resource_statistics=6:ResourceStatistics`,
  'agent.Response.GetExecutors': 'executors=1:agent.Response.GetExecutors.Executor[] completed_executors=2:agent.Response.GetExecutors.Executor[]',
  'agent.Response.GetExecutors.Executor': 'executor_info=1:ExecutorInfo!',
  'agent.Response.GetFlags': 'flags=1:Flag[]',
  'agent.Response.GetFrameworks': 'frameworks=1:agent.Response.GetFrameworks.Framework[] completed_frameworks=2:agent.Response.GetFrameworks.Framework[]',
  'agent.Response.GetFrameworks.Framework': 'framework_info=1:FrameworkInfo!',
  'agent.Response.GetHealth': 'healthy=1:bool!',
  'agent.Response.GetLoggingLevel': 'level=1:uint32!',
  'agent.Response.GetMetrics': 'metrics=1:Metric[]',
  'agent.Response.GetOperations': 'operations=1:Operation[]',
  'agent.Response.GetResourceProviders': 'resource_providers=1:agent.Response.GetResourceProviders.ResourceProvider[]',
  'agent.Response.GetResourceProviders.ResourceProvider': 'resource_provider_info=1:ResourceProviderInfo! total_resources=2:Resource[]',
  'agent.Response.GetState': 'get_tasks=1:agent.Response.GetTasks get_executors=2:agent.Response.GetExecutors get_frameworks=3:agent.Response.GetFrameworks',
  'agent.Response.GetTasks': 'pending_tasks=1:Task[] queued_tasks=2:Task[] launched_tasks=3:Task[] terminated_tasks=4:Task[] completed_tasks=5:Task[]',
  'agent.Response.GetVersion': 'version_info=1:VersionInfo!',
  'agent.Response.ListFiles': 'file_infos=1:FileInfo[]',
  'agent.Response.ReadFile': 'size=1:uint64! data=2:bytes!',
  'agent.Response.WaitContainer': 'exit_status=1:int32 state=2:TaskState reason=3:TaskStatus.Reason message=4:string',
  'agent.Response.WaitNestedContainer': 'exit_status=1:int32 state=2:TaskState reason=3:TaskStatus.Reason message=4:string',
  'allocator.InverseOfferStatus': 'status=1:allocator.InverseOfferStatus.Status! framework_id=2:FrameworkID! timestamp=3:TimeInfo!',
  'executor.Call': `
    executor_id=1:ExecutorID! framework_id=2:FrameworkID! type=3:executor.Call.Type subscribe=4:executor.Call.Subscribe
    update=5:executor.Call.Update message=6:executor.Call.Message`,
  'executor.Call.Message': 'data=2:bytes!',
  'executor.Call.Subscribe': 'unacknowledged_tasks=1:TaskInfo[] unacknowledged_updates=2:executor.Call.Update[]',
  'executor.Call.Update': 'status=1:TaskStatus!',
  'executor.Event': `
    type=1:executor.Event.Type subscribed=2:executor.Event.Subscribed acknowledged=3:executor.Event.Acknowledged launch=4:executor.Event.Launch
    launch_group=8:executor.Event.LaunchGroup kill=5:executor.Event.Kill message=6:executor.Event.Message error=7:executor.Event.Error`,
  'executor.Event.Acknowledged': 'task_id=1:TaskID! uuid=2:bytes!',
  'executor.Event.Error': 'message=1:string!',
  'executor.Event.Kill': 'task_id=1:TaskID! kill_policy=2:KillPolicy',
  'executor.Event.Launch': 'task=1:TaskInfo!',
  'executor.Event.LaunchGroup': 'task_group=1:TaskGroupInfo!',
  'executor.Event.Message': 'data=1:bytes!',
  'executor.Event.Subscribed': 'executor_info=1:ExecutorInfo! framework_info=2:FrameworkInfo! agent_info=3:AgentInfo! container_id=4:ContainerID',
  'maintenance.ClusterStatus': 'draining_machines=1:maintenance.ClusterStatus.DrainingMachine[] down_machines=2:MachineID[]',
  'maintenance.ClusterStatus.DrainingMachine': 'id=1:MachineID! statuses=2:allocator.InverseOfferStatus[]',
  'maintenance.Schedule': 'windows=1:maintenance.Window[]',
  'maintenance.Window': 'machine_ids=1:MachineID[] unavailability=2:Unavailability!',
  'master.Call': `
    type=1:master.Call.Type get_metrics=2:master.Call.GetMetrics set_logging_level=3:master.Call.SetLoggingLevel
    list_files=4:master.Call.ListFiles read_file=5:master.Call.ReadFile update_weights=6:master.Call.UpdateWeights
    reserve_resources=7:master.Call.ReserveResources unreserve_resources=8:master.Call.UnreserveResources
    create_volumes=9:master.Call.CreateVolumes destroy_volumes=10:master.Call.DestroyVolumes grow_volume=18:master.Call.GrowVolume
    shrink_volume=19:master.Call.ShrinkVolume update_maintenance_schedule=11:master.Call.UpdateMaintenanceSchedule
    start_maintenance=12:master.Call.StartMaintenance stop_maintenance=13:master.Call.StopMaintenance drain_agent=21:master.Call.DrainAgent
    deactivate_agent=22:master.Call.DeactivateAgent reactivate_agent=23:master.Call.ReactivateAgent update_quota=20:master.Call.UpdateQuota
    teardown=16:master.Call.Teardown mark_agent_gone=17:master.Call.MarkAgentGone set_quota=14:master.Call.SetQuota
    remove_quota=15:master.Call.RemoveQuota`,
  'master.Call.CreateVolumes': 'agent_id=1:AgentID! volumes=2:Resource[]',
  'master.Call.DeactivateAgent': 'agent_id=1:AgentID!',
  'master.Call.DestroyVolumes': 'agent_id=1:AgentID! volumes=2:Resource[]',
  'master.Call.DrainAgent': 'agent_id=1:AgentID! max_grace_period=2:google.protobuf.Duration mark_gone=3:bool',
  'master.Call.GetMetrics': 'timeout=1:DurationInfo',
  'master.Call.GrowVolume': 'agent_id=1:AgentID volume=2:Resource! addition=3:Resource!',
  'master.Call.ListFiles': 'path=1:string!',
  'master.Call.MarkAgentGone': 'agent_id=1:AgentID!',
  'master.Call.ReactivateAgent': 'agent_id=1:AgentID!',
  'master.Call.ReadFile': 'path=1:string! offset=2:uint64! length=3:uint64',
  'master.Call.RemoveQuota': 'role=1:string!',
  'master.Call.ReserveResources': 'agent_id=1:AgentID! source=3:Resource[] resources=2:Resource[]',
  'master.Call.SetLoggingLevel': 'level=1:uint32! duration=2:DurationInfo!',
  'master.Call.SetQuota': 'quota_request=1:quota.QuotaRequest!',
  'master.Call.ShrinkVolume': 'agent_id=1:AgentID volume=2:Resource! subtract=3:Value.Scalar!',
  'master.Call.StartMaintenance': 'machines=1:MachineID[]',
  'master.Call.StopMaintenance': 'machines=1:MachineID[]',
  'master.Call.Teardown': 'framework_id=1:FrameworkID!',
  'master.Call.UnreserveResources': 'agent_id=1:AgentID! resources=2:Resource[]',
  'master.Call.UpdateMaintenanceSchedule': 'schedule=1:maintenance.Schedule!',
  'master.Call.UpdateQuota': 'force=1:bool quota_configs=2:quota.QuotaConfig[]',
  'master.Call.UpdateWeights': 'weight_infos=1:WeightInfo[]',
  'master.Event': `
    type=1:master.Event.Type subscribed=2:master.Event.Subscribed task_added=3:master.Event.TaskAdded task_updated=4:master.Event.TaskUpdated
    agent_added=5:master.Event.AgentAdded agent_removed=6:master.Event.AgentRemoved framework_added=7:master.Event.FrameworkAdded
    framework_updated=8:master.Event.FrameworkUpdated framework_removed=9:master.Event.FrameworkRemoved`,
  'master.Event.AgentAdded': 'agent=1:master.Response.GetAgents.Agent!',
  'master.Event.AgentRemoved': 'agent_id=1:AgentID!',
  'master.Event.FrameworkAdded': 'framework=1:master.Response.GetFrameworks.Framework!',
  'master.Event.FrameworkRemoved': 'framework_info=1:FrameworkInfo!',
  'master.Event.FrameworkUpdated': 'framework=1:master.Response.GetFrameworks.Framework!',
  'master.Event.Subscribed': 'get_state=1:master.Response.GetState heartbeat_interval_seconds=2:double',
  'master.Event.TaskAdded': 'task=1:Task!',
  'master.Event.TaskUpdated': 'framework_id=1:FrameworkID! status=2:TaskStatus! state=3:TaskState!',
  'master.Response': `
    type=1:master.Response.Type get_health=2:master.Response.GetHealth get_flags=3:master.Response.GetFlags
    get_version=4:master.Response.GetVersion get_metrics=5:master.Response.GetMetrics get_logging_level=6:master.Response.GetLoggingLevel
    list_files=7:master.Response.ListFiles read_file=8:master.Response.ReadFile get_state=9:master.Response.GetState
    get_agents=10:master.Response.GetAgents get_frameworks=11:master.Response.GetFrameworks get_executors=12:master.Response.GetExecutors
    get_operations=20:master.Response.GetOperations get_tasks=13:master.Response.GetTasks get_roles=14:master.Response.GetRoles
    get_weights=15:master.Response.GetWeights get_master=16:master.Response.GetMaster
    get_maintenance_status=17:master.Response.GetMaintenanceStatus get_maintenance_schedule=18:master.Response.GetMaintenanceSchedule
    get_quota=19:master.Response.GetQuota`,
  'master.Response.GetAgents': 'agents=1:master.Response.GetAgents.Agent[] recovered_agents=2:AgentInfo[]',
  'master.Response.GetAgents.Agent': `
    agent_info=1:AgentInfo! active=2:bool! deactivated=12:bool version=3:string! pid=4:string registered_time=5:TimeInfo
    reregistered_time=6:TimeInfo total_resources=7:Resource[] allocated_resources=8:Resource[] offered_resources=9:Resource[]
    capabilities=10:AgentInfo.Capability[] resource_providers=11:master.Response.GetAgents.Agent.ResourceProvider[] drain_info=13:DrainInfo
    estimated_drain_start_time=14:TimeInfo`,
  'master.Response.GetAgents.Agent.ResourceProvider': 'resource_provider_info=1:ResourceProviderInfo! total_resources=2:Resource[]',
  'master.Response.GetExecutors': 'executors=1:master.Response.GetExecutors.Executor[] orphan_executors=2:master.Response.GetExecutors.Executor[]',
  'master.Response.GetExecutors.Executor': 'executor_info=1:ExecutorInfo! agent_id=2:AgentID!',
  'master.Response.GetFlags': 'flags=1:Flag[]',
  'master.Response.GetFrameworks': `
    frameworks=1:master.Response.GetFrameworks.Framework[] completed_frameworks=2:master.Response.GetFrameworks.Framework[]
    recovered_frameworks=3:FrameworkInfo[]`,
  'master.Response.GetFrameworks.Framework': `
    framework_info=1:FrameworkInfo! active=2:bool! connected=3:bool! recovered=11:bool! registered_time=4:TimeInfo reregistered_time=5:TimeInfo
    unregistered_time=6:TimeInfo offers=7:Offer[] inverse_offers=8:InverseOffer[] allocated_resources=9:Resource[]
    offered_resources=10:Resource[]`,
  'master.Response.GetHealth': 'healthy=1:bool!',
  'master.Response.GetLoggingLevel': 'level=1:uint32!',
  'master.Response.GetMaintenanceSchedule': 'schedule=1:maintenance.Schedule!',
  'master.Response.GetMaintenanceStatus': 'status=1:maintenance.ClusterStatus!',
  'master.Response.GetMaster': 'master_info=1:MasterInfo start_time=2:double elected_time=3:double',
  'master.Response.GetMetrics': 'metrics=1:Metric[]',
  'master.Response.GetOperations': 'operations=1:Operation[]',
  'master.Response.GetQuota': 'status=1:quota.QuotaStatus!',
  'master.Response.GetRoles': 'roles=1:Role[]',
  'master.Response.GetState': `
    get_tasks=1:master.Response.GetTasks get_executors=2:master.Response.GetExecutors get_frameworks=3:master.Response.GetFrameworks
    get_agents=4:master.Response.GetAgents`,
  'master.Response.GetTasks': 'pending_tasks=1:Task[] tasks=2:Task[] unreachable_tasks=5:Task[] completed_tasks=3:Task[] orphan_tasks=4:Task[]',
  'master.Response.GetVersion': 'version_info=1:VersionInfo!',
  'master.Response.GetWeights': 'weight_infos=1:WeightInfo[]',
  'master.Response.ListFiles': 'file_infos=1:FileInfo[]',
  'master.Response.ReadFile': 'size=1:uint64! data=2:bytes!',
  'quota.QuotaConfig': 'role=1:string! guarantees=2:Value.Scalar{string} limits=3:Value.Scalar{string}',
  'quota.QuotaInfo': 'role=1:string principal=2:string guarantee=3:Resource[]',
  'quota.QuotaRequest': 'force=1:bool role=2:string guarantee=3:Resource[]',
  'quota.QuotaStatus': 'infos=1:quota.QuotaInfo[] configs=2:quota.QuotaConfig[]',
  'scheduler.Call': `
    framework_id=1:FrameworkID type=2:scheduler.Call.Type subscribe=3:scheduler.Call.Subscribe accept=4:scheduler.Call.Accept
    decline=5:scheduler.Call.Decline revive=15:scheduler.Call.Revive kill=6:scheduler.Call.Kill shutdown=7:scheduler.Call.Shutdown
    acknowledge=8:scheduler.Call.Acknowledge reconcile=9:scheduler.Call.Reconcile message=10:scheduler.Call.Message
    suppress=16:scheduler.Call.Suppress update_framework=19:scheduler.Call.UpdateFramework
    accept_inverse_offers=13:scheduler.Call.AcceptInverseOffers decline_inverse_offers=14:scheduler.Call.DeclineInverseOffers
    acknowledge_operation_status=17:scheduler.Call.AcknowledgeOperationStatus reconcile_operations=18:scheduler.Call.ReconcileOperations`,
  'scheduler.Call.AcknowledgeOperationStatus': 'agent_id=1:AgentID resource_provider_id=2:ResourceProviderID uuid=3:bytes! operation_id=4:OperationID!',
  'scheduler.Call.ReconcileOperations': 'operations=1:scheduler.Call.ReconcileOperations.Operation[]',
  'scheduler.Call.ReconcileOperations.Operation': 'operation_id=1:OperationID! agent_id=2:AgentID resource_provider_id=3:ResourceProviderID',
  'scheduler.Call.AcceptInverseOffers': 'inverse_offer_ids=1:OfferID[] filters=2:Filters',
  'scheduler.Call.DeclineInverseOffers': 'inverse_offer_ids=1:OfferID[] filters=2:Filters',
  'scheduler.Call.Accept': 'offer_ids=1:OfferID[] operations=2:Offer.Operation[] filters=3:Filters',
  'scheduler.Call.Acknowledge': 'agent_id=1:AgentID! task_id=2:TaskID! uuid=3:bytes!',
  'scheduler.Call.Decline': 'offer_ids=1:OfferID[] filters=2:Filters',
  'scheduler.Call.Kill': 'task_id=1:TaskID! agent_id=2:AgentID kill_policy=3:KillPolicy',
  'scheduler.Call.Message': 'agent_id=1:AgentID! executor_id=2:ExecutorID! data=3:bytes!',
  'scheduler.Call.Reconcile': 'tasks=1:scheduler.Call.Reconcile.Task[]',
  'scheduler.Call.Reconcile.Task': 'task_id=1:TaskID! agent_id=2:AgentID',
  'scheduler.Call.Revive': 'roles=1:string[]',
  'scheduler.Call.Shutdown': 'executor_id=1:ExecutorID! agent_id=2:AgentID!',
  'scheduler.Call.Subscribe': 'framework_info=1:FrameworkInfo! suppressed_roles=2:string[]',
  'scheduler.Call.Suppress': 'roles=1:string[]',
  'scheduler.Call.UpdateFramework': 'framework_info=1:FrameworkInfo! suppressed_roles=2:string[]',
  'scheduler.Event': `
    type=1:scheduler.Event.Type subscribed=2:scheduler.Event.Subscribed offers=3:scheduler.Event.Offers rescind=4:scheduler.Event.Rescind
    update=5:scheduler.Event.Update message=6:scheduler.Event.Message failure=7:scheduler.Event.Failure error=8:scheduler.Event.Error
    inverse_offers=9:scheduler.Event.InverseOffers rescind_inverse_offer=10:scheduler.Event.RescindInverseOffer
    update_operation_status=11:scheduler.Event.UpdateOperationStatus`,
  'scheduler.Event.UpdateOperationStatus': 'status=1:OperationStatus!',
  'scheduler.Event.InverseOffers': 'inverse_offers=1:InverseOffer[]',
  'scheduler.Event.RescindInverseOffer': 'inverse_offer_id=1:OfferID!',
  'scheduler.Event.Error': 'message=1:string!',
  'scheduler.Event.Failure': 'agent_id=1:AgentID executor_id=2:ExecutorID status=3:int32',
  'scheduler.Event.Message': 'agent_id=1:AgentID! executor_id=2:ExecutorID! data=3:bytes!',
  'scheduler.Event.Offers': 'offers=1:Offer[]',
  'scheduler.Event.Rescind': 'offer_id=1:OfferID!',
  'scheduler.Event.Subscribed': 'framework_id=1:FrameworkID! heartbeat_interval_seconds=2:double master_info=3:MasterInfo',
  'scheduler.Event.Update': 'status=1:TaskStatus!',
  // google/protobuf/duration.proto (master.Call.DrainAgent.max_grace_period)
  'google.protobuf.Duration': 'seconds=1:int64 nanos=2:int32',
};

export const API_ENUMS: Readonly<Record<string, string>> = {
  'agent.Call.AttachContainerInput.Type': 'UNKNOWN=0 CONTAINER_ID=1 PROCESS_IO=2',
  'agent.Call.Type': `
    UNKNOWN=0 GET_HEALTH=1 GET_FLAGS=2 GET_VERSION=3 GET_METRICS=4 GET_LOGGING_LEVEL=5 SET_LOGGING_LEVEL=6 LIST_FILES=7 READ_FILE=8 GET_STATE=9
    GET_CONTAINERS=10 GET_FRAMEWORKS=11 GET_EXECUTORS=12 GET_OPERATIONS=31 GET_TASKS=13 GET_AGENT=20 GET_RESOURCE_PROVIDERS=26
    LAUNCH_NESTED_CONTAINER=14 WAIT_NESTED_CONTAINER=15 KILL_NESTED_CONTAINER=16 REMOVE_NESTED_CONTAINER=21 LAUNCH_NESTED_CONTAINER_SESSION=17
    ATTACH_CONTAINER_INPUT=18 ATTACH_CONTAINER_OUTPUT=19 LAUNCH_CONTAINER=22 WAIT_CONTAINER=23 KILL_CONTAINER=24 REMOVE_CONTAINER=25
    ADD_RESOURCE_PROVIDER_CONFIG=27 UPDATE_RESOURCE_PROVIDER_CONFIG=28 REMOVE_RESOURCE_PROVIDER_CONFIG=29 MARK_RESOURCE_PROVIDER_GONE=32
    PRUNE_IMAGES=30`,
  'agent.ProcessIO.Control.Type': 'UNKNOWN=0 TTY_INFO=1 HEARTBEAT=2',
  'agent.ProcessIO.Data.Type': 'UNKNOWN=0 STDIN=1 STDOUT=2 STDERR=3',
  'agent.ProcessIO.Type': 'UNKNOWN=0 DATA=1 CONTROL=2',
  'agent.Response.Type': `
    UNKNOWN=0 GET_HEALTH=1 GET_FLAGS=2 GET_VERSION=3 GET_METRICS=4 GET_LOGGING_LEVEL=5 LIST_FILES=6 READ_FILE=7 GET_STATE=8 GET_CONTAINERS=9
    GET_FRAMEWORKS=10 GET_EXECUTORS=11 GET_OPERATIONS=17 GET_TASKS=12 GET_AGENT=14 GET_RESOURCE_PROVIDERS=16 WAIT_NESTED_CONTAINER=13
    WAIT_CONTAINER=15`,
  'allocator.InverseOfferStatus.Status': 'UNKNOWN=1 ACCEPT=2 DECLINE=3',
  'executor.Call.Type': 'UNKNOWN=0 SUBSCRIBE=1 UPDATE=2 MESSAGE=3 HEARTBEAT=4',
  'executor.Event.Type': 'UNKNOWN=0 SUBSCRIBED=1 LAUNCH=2 LAUNCH_GROUP=8 KILL=3 ACKNOWLEDGED=4 MESSAGE=5 ERROR=6 SHUTDOWN=7 HEARTBEAT=9',
  'master.Call.Type': `
    UNKNOWN=0 GET_HEALTH=1 GET_FLAGS=2 GET_VERSION=3 GET_METRICS=4 GET_LOGGING_LEVEL=5 SET_LOGGING_LEVEL=6 LIST_FILES=7 READ_FILE=8 GET_STATE=9
    GET_AGENTS=10 GET_FRAMEWORKS=11 GET_EXECUTORS=12 GET_OPERATIONS=33 GET_TASKS=13 GET_ROLES=14 GET_WEIGHTS=15 UPDATE_WEIGHTS=16 GET_MASTER=17
    SUBSCRIBE=18 RESERVE_RESOURCES=19 UNRESERVE_RESOURCES=20 CREATE_VOLUMES=21 DESTROY_VOLUMES=22 GROW_VOLUME=34 SHRINK_VOLUME=35
    GET_MAINTENANCE_STATUS=23 GET_MAINTENANCE_SCHEDULE=24 UPDATE_MAINTENANCE_SCHEDULE=25 START_MAINTENANCE=26 STOP_MAINTENANCE=27 DRAIN_AGENT=37
    DEACTIVATE_AGENT=38 REACTIVATE_AGENT=39 GET_QUOTA=28 UPDATE_QUOTA=36 SET_QUOTA=29 REMOVE_QUOTA=30 TEARDOWN=31 MARK_AGENT_GONE=32`,
  'master.Event.Type': `
    UNKNOWN=0 SUBSCRIBED=1 TASK_ADDED=2 TASK_UPDATED=3 AGENT_ADDED=4 AGENT_REMOVED=5 FRAMEWORK_ADDED=6 FRAMEWORK_UPDATED=7 FRAMEWORK_REMOVED=8
    HEARTBEAT=9`,
  'master.Response.Type': `
    UNKNOWN=0 GET_HEALTH=1 GET_FLAGS=2 GET_VERSION=3 GET_METRICS=4 GET_LOGGING_LEVEL=5 LIST_FILES=6 READ_FILE=7 GET_STATE=8 GET_AGENTS=9
    GET_FRAMEWORKS=10 GET_EXECUTORS=11 GET_OPERATIONS=19 GET_TASKS=12 GET_ROLES=13 GET_WEIGHTS=14 GET_MASTER=15 GET_MAINTENANCE_STATUS=16
    GET_MAINTENANCE_SCHEDULE=17 GET_QUOTA=18`,
  'scheduler.Call.Type': `
    UNKNOWN=0 SUBSCRIBE=1 TEARDOWN=2 ACCEPT=3 DECLINE=4 ACCEPT_INVERSE_OFFERS=13 DECLINE_INVERSE_OFFERS=14 REVIVE=5 KILL=6 SHUTDOWN=7
    ACKNOWLEDGE=8 ACKNOWLEDGE_OPERATION_STATUS=15 RECONCILE=9 RECONCILE_OPERATIONS=16 MESSAGE=10 REQUEST=11 SUPPRESS=12 UPDATE_FRAMEWORK=17`,
  'scheduler.Event.Type': `
    UNKNOWN=0 SUBSCRIBED=1 OFFERS=2 INVERSE_OFFERS=9 RESCIND=3 RESCIND_INVERSE_OFFER=10 UPDATE=4 UPDATE_OPERATION_STATUS=11 MESSAGE=5 FAILURE=6
    ERROR=7 HEARTBEAT=8`,
};
